/**
 * Finds a binary file's format with `file-type`, fed as the upload streams in: the detector pulls
 * only the bytes it asks for (a ZIP's entries, past the first 4 KB when an office document needs
 * it), and the upload waits for it chunk by chunk, so nothing piles up in between.
 */
// The Node entry point: its parser reads web streams (the package's default types describe the browser build).
import { FileTypeParser } from 'file-type/node';

/** What `file-type` found: its media type and usual extension, or `undefined` for no binary format it knows. */
export type Detected = { mime: string; ext: string } | undefined;

export interface BinaryDetection {
  /**
   * Hands `chunk` to the detector (unless it has decided) and resolves once it has taken it and
   * either asked for more or decided. Chunks must come in order; `null` ends the file.
   */
  feed(chunk: Buffer | null): Promise<void>;
  /** Whether the detector has decided (it reads nothing more). */
  readonly settled: boolean;
  /** Its answer, once settled. */
  readonly detected: Detected;
  /** Resolves with the answer; call `feed(null)` first or it waits for more bytes. */
  readonly result: Promise<Detected>;
}

/** Starts a detector that reads the file from its first byte. */
export function detectBinary(): BinaryDetection {
  let give: ((chunk: Buffer | null) => void) | undefined;
  let wake: (() => void) | undefined;
  let settled = false;
  let detected: Detected;
  const changed = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  // highWaterMark 0: `pull` runs only when the detector is waiting for bytes, never ahead of it.
  const source = new ReadableStream<Uint8Array>(
    {
      pull: (controller) =>
        new Promise<void>((resolve) => {
          give = (chunk) => {
            give = undefined;
            if (chunk === null) controller.close();
            else if (chunk.length > 0) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
            resolve();
          };
          changed();
        }),
    },
    { highWaterMark: 0 },
  );
  const result = new FileTypeParser()
    .fromStream(source)
    // A stream the detector cannot parse is no format it knows: the other checks decide.
    .catch((): Detected => undefined)
    .then((found): Detected => {
      detected = found === undefined ? undefined : { mime: found.mime, ext: found.ext };
      settled = true;
      changed();
      return detected;
    });

  const waitForDetector = () => new Promise<void>((resolve) => (wake = resolve));

  return {
    async feed(chunk) {
      while (give === undefined && !settled) await waitForDetector();
      if (settled || give === undefined) return;
      const hand = give;
      const next = waitForDetector();
      hand(chunk);
      await next;
    },
    get settled() {
      return settled;
    },
    get detected() {
      return detected;
    },
    result,
  };
}
