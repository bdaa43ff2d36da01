/** The template engine subset, the response_field path subset, and how --extra-inputs carries both. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveEndpointSettings } from "../../src/config/endpoint-settings.ts";
import { readProfileArgs } from "../../src/config/profile-flags.ts";
import { compileFieldPath, searchField } from "../../src/endpoints/response-field.ts";
import { resolveTemplateSource, templateVars } from "../../src/endpoints/template.ts";
import { compileTemplate } from "../../src/endpoints/template-render.ts";

const render = (source: string, vars: Record<string, unknown>) => compileTemplate(source).render(vars);

describe("template rendering (Jinja2 subset)", () => {
  test("tojson, attribute and index access, literals and filters", () => {
    const vars = { text: 'say "hi" <b>', texts: ["a", "b"], turn: { model: "m", texts: [{ name: "q", contents: ["c0"] }] }, n: null, flag: true };
    expect(render("{{ text|tojson }}", vars)).toBe('"say \\"hi\\" \\u003cb\\u003e"');
    expect(JSON.parse(render("{{ text|tojson }}", vars))).toBe('say "hi" <b>');
    expect(render("{{ turn.texts[0].contents[-1] }}|{{ turn['model'] }}", vars)).toBe("c0|m");
    expect(render("{{ texts|join(', ') }} {{ texts|length }} {{ texts|first|upper }}", vars)).toBe("a, b 2 A");
    expect(render("{{ n }} {{ n|tojson }} {{ flag }} {{ flag|lower }} {{ missing }}|{{ missing|default('d') }}", vars)).toBe("None null True true |d");
    expect(render("{# note #}{{ 'lit' }}{{ 3 }}", vars)).toBe("lit3");
  });

  test("plain output is HTML-escaped, as upstream's autoescaping environment does", () => {
    expect(render("{{ text }}", { text: `<a & 'b' "c">` })).toBe("&lt;a &amp; &#39;b&#39; &#34;c&#34;&gt;");
  });

  test("statements, unknown filters and unclosed tags are refused at compile time", () => {
    expect(() => compileTemplate("{% for t in texts %}{{ t }}{% endfor %}")).toThrow(/statements are not supported/);
    expect(() => compileTemplate("{{ text|shout }}")).toThrow(/filter "shout" is not supported/);
    expect(() => compileTemplate('{"a": {{ text }')).toThrow(/never closed/);
    expect(() => compileTemplate("{{ text + 1 }}")).toThrow(/cannot read/);
  });

  test("template variables follow upstream's names", () => {
    const vars = templateVars(
      {
        model: "m",
        texts: ["q", "p1", "p2"],
        textsByName: { query: ["q"], passages: ["p1", "p2"] },
        maxTokens: null,
        images: ["data:image/png;base64,AA"],
        role: "user",
      },
      false,
    );
    expect(vars).toMatchObject({
      text: "q",
      texts: ["q", "p1", "p2"],
      query: "q",
      queries: ["q"],
      passage: "p1",
      passages: ["p1", "p2"],
      image: "data:image/png;base64,AA",
      audio: null,
      video: null,
      max_tokens: null,
      stream: false,
      role: "user",
      model: "m",
    });
    expect(render('{"q": {{ texts_by_name.query|tojson }}, "m": {{ request_info.model_name|tojson }}, "r": {{ turn.role|tojson }}}', vars)).toBe(
      '{"q": ["q"], "m": "m", "r": "user"}',
    );
  });

  test("payload_template: a named template, a file, or inline text", () => {
    expect(resolveTemplateSource("nv-embedqa")).toBe('{"text": {{ texts|tojson }}}');
    const dir = mkdtempSync(join(tmpdir(), "aiperf-template-"));
    const file = join(dir, "body.json");
    writeFileSync(file, '{"prompt": {{ text|tojson }}}');
    expect(resolveTemplateSource(file)).toBe('{"prompt": {{ text|tojson }}}');
    expect(resolveTemplateSource('{"x": {{ text|tojson }}}')).toBe('{"x": {{ text|tojson }}}');
    expect(() => resolveTemplateSource("{{ text|nope }}")).toThrow(/--extra-inputs payload_template/);
    expect(() => resolveTemplateSource("{{ texts|tojson }}")).toThrow(/must render a JSON object/);
    expect(() => resolveTemplateSource('{"a": {{ text }}}')).toThrow(/did not render valid JSON/);
    expect(() => resolveTemplateSource(join(dir, "missing.json"))).toThrow(/neither a named template \(nv-embedqa\), a readable file/);
  });
});

describe("response_field paths (JMESPath subset)", () => {
  const value = { choices: [{ text: "a" }, { text: "b" }], "odd-key": { v: 1 }, data: [{ e: [1] }, { x: 0 }, { e: [2] }] };
  test("fields, quoted fields, indexes and projections", () => {
    expect(searchField(compileFieldPath("choices[0].text"), value)).toBe("a");
    expect(searchField(compileFieldPath("choices[-1].text"), value)).toBe("b");
    expect(searchField(compileFieldPath('"odd-key".v'), value)).toBe(1);
    expect(searchField(compileFieldPath("choices[*].text"), value)).toEqual(["a", "b"]);
    expect(searchField(compileFieldPath("data[*].e"), value)).toEqual([[1], [2]]);
    expect(searchField(compileFieldPath("choices[5].text"), value)).toBeNull();
    expect(searchField(compileFieldPath("choices.text"), value)).toBeNull();
  });

  test("anything else is refused, naming the flag", () => {
    for (const bad of ["", "a..b", "a[?x==1]", "a.", "length(a)", "a[0"]) expect(() => compileFieldPath(bad)).toThrow(/--extra-inputs response_field/);
  });
});

describe("--extra-inputs endpoint settings", () => {
  test("payload_template and response_field are read verbatim, commas and colons included", () => {
    const { input } = readProfileArgs([
      "--extra-inputs",
      'payload_template:{"a": {{ text|tojson }}, "b": 1}',
      "--extra-inputs",
      "response_field:data[0].x",
      "--extra-inputs",
      "temperature:0.5,top_k:3",
    ]);
    expect(input.extraInputs).toEqual([
      ["payload_template", '{"a": {{ text|tojson }}, "b": 1}'],
      ["response_field", "data[0].x"],
      ["temperature", 0.5],
      ["top_k", 3],
    ]);
  });

  test("template: payload_template is required and resolved; response_field is handed on", () => {
    const s = resolveEndpointSettings({
      endpointType: "template",
      extraInputs: [
        ["payload_template", "nv-embedqa"],
        ["response_field", "embeddings"],
      ],
      inputFile: undefined,
    });
    expect(s.extraInputs[0]).toEqual(["payload_template", '{"text": {{ texts|tojson }}}']);
    expect(s.responseField).toBe("embeddings");
    expect(() => resolveEndpointSettings({ endpointType: "template", extraInputs: [], inputFile: undefined })).toThrow(/needs --extra-inputs payload_template/);
    // {{ max_tokens }} prints None when synthetic turns have no --osl: caught before any data is built.
    const bare: [string, unknown][] = [["payload_template", '{"n": {{ max_tokens }}}']];
    expect(() => resolveEndpointSettings({ endpointType: "template", extraInputs: bare, inputFile: undefined })).toThrow(
      /did not render valid JSON.*"n": None/,
    );
    expect(resolveEndpointSettings({ endpointType: "template", extraInputs: bare, inputFile: undefined, osl: 8 }).extraInputs).toEqual(bare);
    expect(() => resolveEndpointSettings({ endpointType: "template", extraInputs: [["payload_template", "{% if x %}"]], inputFile: undefined })).toThrow(
      /payload_template: .*not supported/,
    );
  });

  test("raw needs an input file; a bad response_field is a config error; other types ignore both settings", () => {
    expect(() => resolveEndpointSettings({ endpointType: "raw", extraInputs: [], inputFile: undefined })).toThrow(
      /--input-file with --custom-dataset-type inputs_json/,
    );
    expect(() => resolveEndpointSettings({ endpointType: "raw", extraInputs: [["response_field", "a[?b]"]], inputFile: "x.json" })).toThrow(/response_field/);
    expect(resolveEndpointSettings({ endpointType: "chat", extraInputs: [["response_field", "a[?b]"]], inputFile: undefined }).responseField).toBeUndefined();
  });

  test("audio_transcription needs audio: an input file or synthetic audio", () => {
    expect(() => resolveEndpointSettings({ endpointType: "audio_transcription", extraInputs: [], inputFile: undefined })).toThrow(/--audio-length-mean/);
    expect(() => resolveEndpointSettings({ endpointType: "audio_transcription", extraInputs: [], inputFile: "a.jsonl" })).not.toThrow();
    expect(() =>
      resolveEndpointSettings({ endpointType: "audio_transcription", extraInputs: [], inputFile: undefined, audioLengthMean: 2 } as Parameters<
        typeof resolveEndpointSettings
      >[0]),
    ).not.toThrow();
  });
});
