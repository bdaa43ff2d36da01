/**
 * frame.ts against the bytes libzmq 4.3.5 actually put on the wire (reference/zmtp.md §3, §5, §6,
 * §8, §9). Every expected value here is a captured vector, not something derived from frame.ts.
 */
import { describe, expect, test } from "bun:test";
import {
  encodeCommand,
  encodeGreeting,
  encodeMessage,
  encodePing,
  encodeReady,
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  GREETING_SIZE,
  headerSize,
  messageSize,
  parseCommand,
  parseGreeting,
  parseProperties,
  toSocketType,
  writeHeader,
  writeMessage,
} from "../../src/bus/frame.ts";
import { ascii, concat, hex, toHex } from "./support.ts";

// §3: the full greeting libzmq 4.3.5 sent (padding byte 8 = routing-id length + 1).
const LIBZMQ_GREETING = hex(`
  ff 00 00 00 00 00 00 00 01 7f 03 01 4e 55 4c 4c
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`);

// §9: READY frames as captured, split at the property boundaries for readability.
const READY_ROUTER = hex(`04 29 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06 52 4f 55 54 45 52
  08 49 64 65 6e 74 69 74 79 00 00 00 00`);
const READY_DEALER = hex(`04 29 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06 44 45 41 4c 45 52
  08 49 64 65 6e 74 69 74 79 00 00 00 00`);
// §9: libzmq DEALER with routing id "D1": 04 2b 05 READY 0b Socket-Type 00 00 00 06 DEALER 08 Identity 00 00 00 02 44 31.
const READY_DEALER_D1 = concat(
  hex("04 2b 05"),
  ascii("READY"),
  hex("0b"),
  ascii("Socket-Type"),
  hex("00 00 00 06"),
  ascii("DEALER"),
  hex("08"),
  ascii("Identity"),
  hex("00 00 00 02 44 31"),
);

function greetingWith(edit: (g: Uint8Array) => void): Uint8Array {
  const g = LIBZMQ_GREETING.slice();
  edit(g);
  return g;
}

describe("greeting", () => {
  test("ours is the 64 bytes libzmq sends, with zero padding", () => {
    const ours = encodeGreeting();
    expect(ours.length).toBe(GREETING_SIZE);
    // Identical to libzmq's except byte 8, which libzmq fills with its id length (we send 00, §9).
    const expected = LIBZMQ_GREETING.slice();
    expected[8] = 0;
    expect(toHex(ours)).toBe(toHex(expected));
  });

  test("parses the greeting libzmq sent", () => {
    expect(parseGreeting(LIBZMQ_GREETING)).toEqual({ major: 3, minor: 1, mechanism: "NULL", asServer: false });
  });

  test("ignores non-zero padding bytes 1–8 (trap §11.3)", () => {
    // libzmq DEALER "D1" sent ...00 03 there; any other value must be ignored as well.
    const d1 = greetingWith((g) => (g[8] = 3));
    expect(parseGreeting(d1)).toEqual({ major: 3, minor: 1, mechanism: "NULL", asServer: false });
    const noisy = greetingWith((g) => g.fill(0xa5, 1, 9));
    expect(parseGreeting(noisy)).toEqual({ major: 3, minor: 1, mechanism: "NULL", asServer: false });
  });

  test("reads the minor version and treats a major above 3 as 3.1", () => {
    expect(parseGreeting(greetingWith((g) => (g[11] = 0)))).toMatchObject({ major: 3, minor: 0 });
    expect(parseGreeting(greetingWith((g) => ((g[10] = 4), (g[11] = 0))))).toMatchObject({ major: 4, minor: 1 });
  });

  test("rejects a bad signature", () => {
    expect(parseGreeting(greetingWith((g) => (g[0] = 0xfe)))).toBeString();
    // Byte 9 bit 0 clear means a ZMTP 1.0 peer.
    expect(parseGreeting(greetingWith((g) => (g[9] = 0x7e)))).toBeString();
    expect(parseGreeting(greetingWith((g) => (g[9] = 0x00)))).toBeString();
    expect(parseGreeting(LIBZMQ_GREETING.subarray(0, 63))).toBeString();
  });

  test("rejects major versions below 3", () => {
    for (const major of [0, 1, 2]) {
      const reason = parseGreeting(greetingWith((g) => (g[10] = major)));
      expect(reason).toBeString();
      expect(reason as string).toContain(String(major));
    }
  });

  test("rejects any mechanism but NULL", () => {
    for (const name of ["PLAIN", "CURVE", "GSSAPI", "NUL", "NULLX", ""]) {
      const g = greetingWith((b) => {
        b.fill(0, 12, 32);
        b.set(ascii(name), 12);
      });
      expect(parseGreeting(g)).toBeString();
    }
    // The mechanism field must equal "NULL" + 16 zero bytes, byte for byte (§3).
    expect(parseGreeting(greetingWith((g) => (g[20] = 0x41)))).toBeString();
  });
});

describe("READY (§5 sizes, §9 bytes)", () => {
  test("ROUTER and DEALER with an empty identity: size 0x29, byte-exact", () => {
    expect(toHex(encodeReady("ROUTER", new Uint8Array(0)))).toBe(toHex(READY_ROUTER));
    expect(toHex(encodeReady("DEALER", new Uint8Array(0)))).toBe(toHex(READY_DEALER));
  });

  test('DEALER with identity "D1": size 0x2b, byte-exact', () => {
    expect(toHex(encodeReady("DEALER", ascii("D1")))).toBe(toHex(READY_DEALER_D1));
  });

  test("PUB and SUB carry no Identity: size 0x19", () => {
    for (const type of ["PUB", "SUB"] as const) {
      const expected = concat(hex("04 19 05"), ascii("READY"), hex("0b"), ascii("Socket-Type"), hex("00 00 00 03"), ascii(type));
      expect(toHex(encodeReady(type))).toBe(toHex(expected));
    }
  });

  test("PUSH, PULL, XPUB, XSUB: size 0x1a", () => {
    for (const type of ["PUSH", "PULL", "XPUB", "XSUB"] as const) {
      const expected = concat(hex("04 1a 05"), ascii("READY"), hex("0b"), ascii("Socket-Type"), hex("00 00 00 04"), ascii(type));
      expect(toHex(encodeReady(type))).toBe(toHex(expected));
    }
  });

  test("libzmq's READY frames parse back to their properties", () => {
    const cmd = parseCommand(READY_DEALER_D1.subarray(2));
    expect(cmd?.name).toBe("READY");
    const props = parseProperties(cmd?.data ?? new Uint8Array(0));
    expect(props).toBeDefined();
    expect([...(props?.keys() ?? [])]).toEqual(["socket-type", "identity"]);
    expect(toSocketType(props?.get("socket-type"))).toBe("DEALER");
    expect(toHex(props?.get("identity") ?? new Uint8Array(1))).toBe("44 31");

    const router = parseProperties(parseCommand(READY_ROUTER.subarray(2))?.data ?? new Uint8Array(1));
    expect(toSocketType(router?.get("socket-type"))).toBe("ROUTER");
    expect(router?.get("identity")?.length).toBe(0);
  });
});

describe("parseProperties", () => {
  const prop = (name: string, value: string) => {
    const v = ascii(value);
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, v.length);
    return concat(new Uint8Array([name.length]), ascii(name), len, v);
  };

  test("names are case-insensitive (keys come back lower-cased)", () => {
    for (const name of ["Socket-Type", "socket-type", "SOCKET-TYPE", "sOcKeT-tYpE"]) {
      const props = parseProperties(concat(prop(name, "PUSH"), prop("IDENTITY", "me")));
      expect(props?.get("socket-type")).toEqual(ascii("PUSH"));
      expect(props?.get("identity")).toEqual(ascii("me"));
    }
  });

  test("an empty property list is valid; unknown properties are kept", () => {
    expect(parseProperties(new Uint8Array(0))?.size).toBe(0);
    expect(parseProperties(concat(prop("Socket-Type", "SUB"), prop("X-Custom", "v")))?.get("x-custom")).toEqual(ascii("v"));
  });

  test("rejects trailing garbage and truncated properties (libzmq: EPROTO)", () => {
    const good = prop("Socket-Type", "PUSH");
    expect(parseProperties(good)).toBeDefined();
    expect(parseProperties(concat(good, hex("00")))).toBeUndefined();
    expect(parseProperties(concat(good, hex("05")))).toBeUndefined();
    expect(parseProperties(concat(good, hex("03 61 62 63 00 00")))).toBeUndefined();
    // Value length points past the end.
    const long = good.slice();
    long[1 + 11 + 3] = 5;
    expect(parseProperties(long)).toBeUndefined();
    // Huge value length (2^32 - 1) must not wrap around.
    expect(parseProperties(concat(hex("01 61 ff ff ff ff"), ascii("x")))).toBeUndefined();
    expect(parseProperties(good.subarray(0, good.length - 1))).toBeUndefined();
  });

  test("toSocketType accepts the wire names and nothing else", () => {
    expect(toSocketType(ascii("ROUTER"))).toBe("ROUTER");
    expect(toSocketType(ascii("STREAM"))).toBeUndefined();
    expect(toSocketType(ascii("PUSH "))).toBeUndefined();
    expect(toSocketType(undefined)).toBeUndefined();
  });
});

describe("commands (§6)", () => {
  test("SUBSCRIBE and CANCEL match libzmq's bytes", () => {
    expect(toHex(encodeCommand("SUBSCRIBE", ascii("command$")))).toBe("04 12 09 53 55 42 53 43 52 49 42 45 63 6f 6d 6d 61 6e 64 24");
    expect(toHex(encodeCommand("CANCEL", ascii("command$")))).toBe("04 0f 06 43 41 4e 43 45 4c 63 6f 6d 6d 61 6e 64 24");
    expect(toHex(encodeCommand("SUBSCRIBE", new Uint8Array(0)))).toBe("04 0a 09 53 55 42 53 43 52 49 42 45");
  });

  test("a 245-byte topic still fits a short SUBSCRIBE; 246 to 255 bytes need a LONG header (trap §11.17)", () => {
    const at245 = encodeCommand("SUBSCRIBE", new Uint8Array(245).fill(0x74));
    expect(toHex(at245.subarray(0, 3))).toBe("04 ff 09");
    expect(at245.length).toBe(2 + 255);
    for (const n of [246, 250, 255]) {
      const topic = new Uint8Array(n).fill(0x74);
      const cmd = encodeCommand("SUBSCRIBE", topic);
      const size = 1 + 9 + n;
      const header = hex(`06 00 00 00 00 00 00 ${(size >> 8).toString(16).padStart(2, "0")} ${(size & 0xff).toString(16).padStart(2, "0")}`);
      expect(toHex(cmd)).toBe(toHex(concat(header, hex("09"), ascii("SUBSCRIBE"), topic)));
    }
    // CANCEL's shorter name crosses the line at 249.
    expect(encodeCommand("CANCEL", new Uint8Array(248))[0]).toBe(0x04);
    expect(toHex(encodeCommand("CANCEL", new Uint8Array(249)).subarray(0, 10))).toBe("06 00 00 00 00 00 00 01 00 06");
  });

  test("PING carries the 2-byte TTL (trap §11.8)", () => {
    expect(toHex(encodePing(50, ascii("ctx1")))).toBe("04 0b 04 50 49 4e 47 00 32 63 74 78 31");
    expect(toHex(encodePing(0x1234, new Uint8Array(0)))).toBe("04 07 04 50 49 4e 47 12 34");
  });

  test("PONG as libzmq sent it, and parsing it back", () => {
    const pong = hex("04 09 04 50 4f 4e 47 63 74 78 31");
    expect(toHex(encodeCommand("PONG", ascii("ctx1")))).toBe(toHex(pong));
    const cmd = parseCommand(pong.subarray(2));
    expect(cmd?.name).toBe("PONG");
    expect(cmd?.data).toEqual(ascii("ctx1"));
  });

  test("parseCommand rejects an empty body, a zero-length name, and a name past the end", () => {
    expect(parseCommand(new Uint8Array(0))).toBeUndefined();
    expect(parseCommand(hex("00 41"))).toBeUndefined();
    expect(parseCommand(hex("05 52 45 41 44"))).toBeUndefined();
    expect(parseCommand(hex("04 50 49 4e 47"))).toEqual({ name: "PING", data: new Uint8Array(0) });
  });
});

describe("message framing (§8, §9)", () => {
  test("PUSH ['rec', 00 01 02] and DEALER ['', 'req-1'] as captured", () => {
    expect(toHex(encodeMessage([ascii("rec"), hex("00 01 02")]))).toBe("01 03 72 65 63 00 03 00 01 02");
    expect(toHex(encodeMessage([new Uint8Array(0), ascii("req-1")]))).toBe("01 00 00 05 72 65 71 2d 31");
    expect(toHex(encodeMessage([ascii("hello")]))).toBe("00 05 68 65 6c 6c 6f");
  });

  test("ROUTER reply ['world', 300×'x']: short MORE frame then LONG last frame, 316 bytes", () => {
    const x300 = new Uint8Array(300).fill(0x78);
    const wire = encodeMessage([ascii("world"), x300]);
    expect(wire.length).toBe(316);
    expect(toHex(wire.subarray(0, 16))).toBe("01 05 77 6f 72 6c 64 02 00 00 00 00 00 00 01 2c");
    expect(wire.subarray(16)).toEqual(x300);
  });

  test("255 bytes is the largest short frame, 256 the smallest LONG one", () => {
    const at255 = encodeMessage([new Uint8Array(255)]);
    expect(toHex(at255.subarray(0, 2))).toBe("00 ff");
    expect(at255.length).toBe(257);
    const at256 = encodeMessage([new Uint8Array(256)]);
    expect(toHex(at256.subarray(0, 9))).toBe("02 00 00 00 00 00 00 01 00");
    expect(at256.length).toBe(265);
    const more256 = encodeMessage([new Uint8Array(256), new Uint8Array(0)]);
    expect(toHex(more256.subarray(0, 9))).toBe("03 00 00 00 00 00 00 01 00");
    expect(toHex(more256.subarray(265))).toBe("00 00");
    expect(headerSize(255)).toBe(2);
    expect(headerSize(256)).toBe(9);
  });

  test("LONG sizes above 2^32 are written big-endian across all 8 bytes", () => {
    const out = new Uint8Array(9);
    // Only the header: a body that size cannot be built in a test.
    expect(writeHeader(out, 0, 0, 0x1_0203_0405)).toBe(9);
    expect(toHex(out)).toBe("02 00 00 00 01 02 03 04 05");
  });

  test("MORE on every frame but the last; empty frames are 00 00", () => {
    const wire = encodeMessage([new Uint8Array(0), ascii("a"), new Uint8Array(0)]);
    expect(toHex(wire)).toBe("01 00 01 01 61 00 00");
    expect(messageSize([new Uint8Array(0), ascii("a"), new Uint8Array(0)])).toBe(wire.length);
  });

  test("writeMessage appends at an offset without touching earlier bytes", () => {
    const out = new Uint8Array(20).fill(0xee);
    const end = writeMessage(out, 3, [ascii("ab"), ascii("c")]);
    expect(end).toBe(3 + 7);
    expect(toHex(out.subarray(0, 11))).toBe("ee ee ee 01 02 61 62 00 01 63 ee");
  });

  test("flag constants match the spec", () => {
    expect([FLAG_MORE, FLAG_LONG, FLAG_COMMAND]).toEqual([1, 2, 4]);
  });
});
