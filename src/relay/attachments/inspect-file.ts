/**
 * The stream an upload's bytes pass through on their way to storage: it holds only the first
 * bytes, judges the file's real type from them, and strips location data from JPEGs.
 */
import { Transform } from 'node:stream';
import { isActiveType } from './media-types';
import type { KnownType } from './media-types';
import { sniff, SNIFF_BYTES } from './sniff';
import type { Sniffed } from './sniff';
import { GpsStripper } from './strip-gps';

/** What the operator accepts (config.ts builds it from RELAY_ATTACHMENT_*). */
export interface TypeRules {
  /** Every type accepted, wildcards expanded (media-types.ts `expandTypes`). */
  accepted: readonly string[];
  /** RELAY_ATTACHMENT_ALLOW_ACTIVE: active types may be accepted when listed by name. */
  allowActive: boolean;
  /** RELAY_ATTACHMENT_KEEP_GPS. */
  keepGps: boolean;
}

/** Why a file is refused for its content; the message names what was found, for integrators. */
export class FileRefused extends Error {
  override readonly name = 'FileRefused';
}

const DESCRIPTIONS: Partial<Record<KnownType, string>> = {
  'text/html': 'an HTML document',
  'image/svg+xml': 'an SVG image, which can carry script',
  'application/xml': 'an XML document',
  'application/vnd.microsoft.portable-executable': 'a Windows program',
  'application/x-executable': 'a Linux program',
  'application/x-mach-binary': 'a macOS program',
  'text/x-shellscript': 'a script',
};

/** The accepted type of a sniffed file, or why it is refused. */
export function judgeType(sniffed: Sniffed, rules: TypeRules): { ok: true; type: KnownType } | { ok: false; message: string } {
  if (sniffed === undefined) return { ok: false, message: 'The file is not of a kind this relay recognises.' };
  const described = DESCRIPTIONS[sniffed] ?? `of type ${sniffed}`;
  if (isActiveType(sniffed) && !rules.allowActive) return { ok: false, message: `The file is ${described}; active content is not accepted.` };
  if (!rules.accepted.includes(sniffed)) return { ok: false, message: `The file is ${described}, which this relay does not accept.` };
  return { ok: true, type: sniffed };
}

export interface Inspection {
  /** Pipe the file through it; it fails with `FileRefused` as soon as the first bytes are judged. */
  stream: Transform;
  /** Once the stream has ended: the type found and the bytes that passed. */
  result(): { type: KnownType; size: number };
}

/**
 * Creates the inspecting stream for a file named `name` (the name only tells CSV from text and
 * the office formats apart). `onGpsGiveUp` hears why a JPEG kept its location data.
 */
export function inspectFile(name: string, rules: TypeRules, onGpsGiveUp: (reason: string) => void): Inspection {
  const head: Buffer[] = [];
  let headBytes = 0;
  let type: KnownType | undefined;
  let stripper: GpsStripper | undefined;
  let size = 0;

  const decide = (whole: boolean): Error | undefined => {
    // Exactly the first SNIFF_BYTES, however the network split them: the last chunk held may go
    // far beyond, and the verdict must not depend on it.
    const judged = judgeType(sniff(Buffer.concat(head, headBytes).subarray(0, SNIFF_BYTES), name, whole), rules);
    if (!judged.ok) return new FileRefused(judged.message);
    type = judged.type;
    if (type === 'image/jpeg' && !rules.keepGps) stripper = new GpsStripper(onGpsGiveUp);
    return undefined;
  };
  const emit = (stream: Transform, chunks: Buffer[]) => {
    for (const chunk of stripper === undefined ? chunks : chunks.flatMap((one) => stripper?.write(one) ?? [])) stream.push(chunk);
  };

  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (type !== undefined) {
        emit(this, [chunk]);
        return done();
      }
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes < SNIFF_BYTES) return done();
      const refused = decide(false);
      if (refused) return done(refused);
      emit(this, head.splice(0));
      done();
    },
    flush(done) {
      if (type === undefined) {
        if (headBytes === 0) return done(new FileRefused('The file is empty.'));
        const refused = decide(true);
        if (refused) return done(refused);
        emit(this, head.splice(0));
      }
      for (const chunk of stripper?.end() ?? []) this.push(chunk);
      done();
    },
  });

  return {
    stream,
    result: () => {
      if (type === undefined) throw new Error('inspectFile: result() before the stream ended');
      return { type, size };
    },
  };
}
