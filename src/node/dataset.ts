/**
 * The node's copy of the run's dataset: downloaded once from the controller (GET /api/dataset),
 * checked against the SHA-256 the controller announced, then memory-mapped by the services like
 * the controller's own copy. No shared filesystem needed.
 */
import { DATASET_SHA256_HEADER } from "../cluster/messages.ts";

export async function downloadDataset(gateUrl: string, token: string, path: string, expected: { sha256: string; bytes: number }): Promise<void> {
  const response = await fetch(`${gateUrl}/api/dataset`, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok || response.body === null) throw new Error(`GET /api/dataset answered HTTP ${response.status}`);
  const announced = response.headers.get(DATASET_SHA256_HEADER);
  const hasher = new Bun.CryptoHasher("sha256");
  const file = Bun.file(path).writer();
  let bytes = 0;
  try {
    for await (const chunk of response.body) {
      hasher.update(chunk);
      file.write(chunk);
      bytes += chunk.length;
    }
  } finally {
    await file.end();
  }
  const got = hasher.digest("hex");
  if (got !== expected.sha256 || (announced !== null && announced !== expected.sha256) || bytes !== expected.bytes) {
    throw new Error(
      `the dataset downloaded is not the controller's: ${bytes} bytes, SHA-256 ${got}; expected ${expected.bytes} bytes, SHA-256 ${expected.sha256}`,
    );
  }
}
