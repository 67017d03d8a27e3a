import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { decode as decodeJpeg } from "jpeg-js";
import { Dataset, Split, labelsFrom, normalise } from "./dataset";
import { readTar } from "./tar";
import { REPO_ROOT } from "../store/paths";
import { writeFileAtomic } from "../util/atomic";
import { UserError } from "../util/errors";

/**
 * CIFAR-10 in two forms. `cifar10`: the official binary release (cifar-10-binary.tar.gz, downloaded by
 * `npm run data -- cifar10`, or a local archive or extracted folder). `cifar10-jpeg`: an image-folder copy
 * (train/<class>/*.jpg|png, test/<class>/..., as a folder or a .tar.gz), e.g. a JPEG re-encoding, whose
 * pixels differ from the originals; it is another data set so that the run cache never mixes the two.
 * Both are cached decoded under data/ in the binary release's record layout (label byte + 3,072 bytes,
 * channel-major), so a second load reads two flat files.
 */
export const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
/** Published on the data set's page (https://www.cs.toronto.edu/~kriz/cifar.html), with the archive's size. */
export const CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
export const CIFAR10_BYTES = 170_052_171;
export const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
/** Per-channel mean and std of the training images (the usual constants). */
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465];
export const CIFAR10_STD = [0.247, 0.2435, 0.2616];

const RECORD = 1 + 3 * 32 * 32;
const TRAIN_BATCHES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_BATCH = "test_batch.bin";

export const dataDir = () => resolve(process.env.LOTTERY_DATA ?? join(REPO_ROOT, "data"));
export const defaultArchive = () => join(dataDir(), "cifar-10-binary.tar.gz");

/** Records (label + CHW bytes) to a normalised NHWC split. */
export function splitFromRecords(records: Uint8Array, name: string): Split {
  if (records.length === 0 || records.length % RECORD !== 0) throw new UserError(`${name}: ${records.length} bytes is not a whole number of ${RECORD}-byte CIFAR records; the file is truncated or corrupt.`);
  const count = records.length / RECORD;
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * 3072);
  for (let n = 0; n < count; n++) {
    const r = n * RECORD;
    labels[n] = records[r];
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) pixels[n * 3072 + p * 3 + c] = records[r + 1 + c * 1024 + p];
  }
  return { x: normalise(pixels, 3, CIFAR10_MEAN, CIFAR10_STD), y: labelsFrom(labels, 10, name), count };
}

const dataset = (name: string, train: Split, test: Split): Dataset => ({
  name,
  shape: [32, 32, 3],
  classes: 10,
  train,
  test,
  zeroPixel: CIFAR10_MEAN.map((m, c) => -m / CIFAR10_STD[c]),
});

/** The binary release's six batch files, from an archive or an extracted folder. */
function binaryBatches(source: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  if (statSync(source).isDirectory()) {
    const dir = existsSync(join(source, "cifar-10-batches-bin")) ? join(source, "cifar-10-batches-bin") : source;
    for (const f of [...TRAIN_BATCHES, TEST_BATCH]) if (existsSync(join(dir, f))) files.set(f, readFileSync(join(dir, f)));
  } else {
    for (const e of readTar(readFileSync(source), source)) if ([...TRAIN_BATCHES, TEST_BATCH].includes(basename(e.name))) files.set(basename(e.name), e.data);
  }
  const missing = [...TRAIN_BATCHES, TEST_BATCH].filter((f) => !files.has(f));
  if (missing.length) throw new UserError(`${source}: ${missing.join(", ")} missing; expected the CIFAR-10 binary release (cifar-10-binary.tar.gz or its cifar-10-batches-bin folder).`);
  return files;
}

/** The official release: data/cifar10/ when cached, else CIFAR10_SOURCE or data/cifar-10-binary.tar.gz. */
export function loadCifar10(): Dataset {
  const cache = join(dataDir(), "cifar10");
  const source = process.env.CIFAR10_SOURCE ?? defaultArchive();
  if (!existsSync(join(cache, "train.bin")) || !existsSync(join(cache, "test.bin"))) {
    if (!existsSync(source)) throw new UserError(`CIFAR-10: ${source} not found; run \`npm run data -- cifar10\` to download it (170 MB), or set CIFAR10_SOURCE to the binary archive or its extracted folder.`);
    const files = binaryBatches(source);
    for (const [f, data] of files) if (data.length === 0 || data.length % RECORD !== 0) throw new UserError(`${source}: ${f} has ${data.length} bytes, not a whole number of ${RECORD}-byte records; the archive is corrupt, download it again.`);
    writeFileAtomic(join(cache, "train.bin"), Buffer.concat(TRAIN_BATCHES.map((f) => files.get(f)!)));
    writeFileAtomic(join(cache, "test.bin"), files.get(TEST_BATCH)!);
  }
  return dataset("cifar10", splitFromRecords(readFileSync(join(cache, "train.bin")), join(cache, "train.bin")), splitFromRecords(readFileSync(join(cache, "test.bin")), join(cache, "test.bin")));
}

/** Image files of one split by class, from a folder or the entries of an archive. */
function imageFiles(source: string, split: "train" | "test"): Map<string, { name: string; read: () => Uint8Array }[]> {
  const byClass = new Map<string, { name: string; read: () => Uint8Array }[]>();
  const add = (cls: string, name: string, read: () => Uint8Array) => {
    if (!/\.(jpe?g|png)$/i.test(name)) return;
    if (!byClass.has(cls)) byClass.set(cls, []);
    byClass.get(cls)!.push({ name, read });
  };
  if (statSync(source).isDirectory()) {
    const root = join(source, split);
    if (!existsSync(root)) throw new UserError(`${source}: no ${split}/ folder; expected the image-folder layout ${split}/<class>/*.jpg|png.`);
    for (const cls of readdirSync(root)) if (statSync(join(root, cls)).isDirectory()) for (const f of readdirSync(join(root, cls))) add(cls, f, () => readFileSync(join(root, cls, f)));
  } else {
    for (const e of readTar(readFileSync(source), source)) {
      const parts = e.name.split("/").filter((p) => p && p !== ".");
      const i = parts.indexOf(split);
      if (i >= 0 && parts.length === i + 3) add(parts[i + 1], parts[i + 2], () => e.data);
    }
  }
  return byClass;
}

function decodeImage(bytes: Uint8Array, name: string): Uint8Array {
  if (/\.png$/i.test(name)) throw new UserError(`${name}: PNG images are not supported yet; convert the folder to JPEG or use the binary release.`);
  let img;
  try {
    img = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true });
  } catch (e) {
    throw new UserError(`${name}: not a decodable JPEG (${(e as Error).message}); the file is corrupt, replace it or download the data again.`);
  }
  if (img.width !== 32 || img.height !== 32) throw new UserError(`${name}: ${img.width}x${img.height} pixels, expected 32x32 CIFAR images.`);
  return img.data;
}

/**
 * Records of one split of an image folder. Classes are the ten CIFAR names; images are taken round-robin
 * over classes (in file-name order within each), so that the first n examples, a training subset, are
 * balanced rather than all of one class.
 */
export function recordsFromImages(source: string, split: "train" | "test"): Uint8Array {
  const byClass = imageFiles(source, split);
  const unknown = [...byClass.keys()].filter((c) => !CIFAR10_CLASSES.includes(c));
  if (unknown.length) throw new UserError(`${source}: ${split}/${unknown[0]} is not a CIFAR-10 class (${CIFAR10_CLASSES.join(", ")}).`);
  if (byClass.size === 0) throw new UserError(`${source}: no images under ${split}/<class>/.`);
  const lists = CIFAR10_CLASSES.map((c) => (byClass.get(c) ?? []).sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true })));
  const total = lists.reduce((n, l) => n + l.length, 0);
  const out = new Uint8Array(total * RECORD);
  let n = 0;
  for (let i = 0; n < total; i++) {
    for (const [label, list] of lists.entries()) {
      if (i >= list.length) continue;
      const rgba = decodeImage(list[i].read(), `${split}/${CIFAR10_CLASSES[label]}/${list[i].name}`);
      const r = n++ * RECORD;
      out[r] = label;
      for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) out[r + 1 + c * 1024 + p] = rgba[p * 4 + c];
    }
  }
  return out;
}

function folderListing(root: string): string {
  const lines: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const st = statSync(join(root, rel, name));
      if (st.isDirectory()) walk(join(rel, name));
      else lines.push(`${join(rel, name)}:${st.size}:${st.mtimeMs}`);
    }
  };
  walk(".");
  return `${root}\n${lines.join("\n")}`;
}

/** Where the image-folder CIFAR-10 is read from: CIFAR10_JPEG, else data/cifar10-jpeg.tar.gz. */
export const cifar10JpegSource = () => resolve(process.env.CIFAR10_JPEG ?? join(dataDir(), "cifar10-jpeg.tar.gz"));

/** An image-folder CIFAR-10 (CIFAR10_JPEG, else data/cifar10-jpeg.tar.gz), decoded once and cached by the source's content hash. */
export function loadCifar10Jpeg(): Dataset {
  const source = cifar10JpegSource();
  if (!existsSync(source)) throw new UserError(`CIFAR-10 (JPEG re-encoded): ${source} not found; set CIFAR10_JPEG to an image folder (train/<class>/*.jpg, test/<class>/*.jpg) or its .tar.gz.`);
  // An archive is named by its bytes, a folder by its files' names, sizes and times: editing either re-decodes it.
  const tag = statSync(source).isDirectory() ? folderListing(source) : createHash("sha256").update(readFileSync(source)).digest("hex");
  const cache = join(dataDir(), "cifar10-jpeg", createHash("sha256").update(tag).digest("hex").slice(0, 16));
  for (const split of ["train", "test"] as const) if (!existsSync(join(cache, `${split}.bin`))) writeFileAtomic(join(cache, `${split}.bin`), recordsFromImages(source, split));
  return dataset("cifar10-jpeg", splitFromRecords(readFileSync(join(cache, "train.bin")), join(cache, "train.bin")), splitFromRecords(readFileSync(join(cache, "test.bin")), join(cache, "test.bin")));
}

