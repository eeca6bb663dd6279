/** The media types the relay can recognise in a file: their file name extensions, what `file-type` calls them, and which are active content. */

export interface MediaType {
  /** File name extensions, the usual one first (the one a mismatched name gets). */
  extensions: readonly string[];
  /**
   * Active content: a browser (or an agent's desktop) may run it. Refused unless the operator sets
   * RELAY_ATTACHMENT_ALLOW_ACTIVE and lists the type by name.
   */
  active?: true;
  /**
   * Other types browsers claim for such files (Windows calls a CSV `application/vnd.ms-excel`).
   * Served to the widget beside the type, so its check before upload does not refuse a file the
   * relay would accept; the relay itself judges by the bytes.
   */
  claimedAs?: readonly string[];
  /** Other names `file-type` gives such files (an animated PNG is `image/apng`, a Windows program `application/x-msdownload`). */
  detectedAs?: readonly string[];
}

const OOXML = 'application/vnd.openxmlformats-officedocument';
const ODF = 'application/vnd.oasis.opendocument';

/** Every type the relay can find in a file, by media type. */
export const MEDIA_TYPES = {
  'image/png': { extensions: ['png'], detectedAs: ['image/apng'] },
  'image/jpeg': { extensions: ['jpg', 'jpeg', 'jpe'] },
  'image/gif': { extensions: ['gif'] },
  'image/webp': { extensions: ['webp'] },
  'image/heic': { extensions: ['heic'], detectedAs: ['image/heic-sequence'] },
  'image/heif': { extensions: ['heif'], detectedAs: ['image/heif-sequence'] },
  'image/avif': { extensions: ['avif'] },
  'application/pdf': { extensions: ['pdf'] },
  'text/plain': { extensions: ['txt', 'log', 'text'] },
  'text/csv': { extensions: ['csv'], claimedAs: ['application/vnd.ms-excel', 'application/csv', 'text/x-csv'] },
  'video/mp4': { extensions: ['mp4', 'm4v'] },
  'video/quicktime': { extensions: ['mov', 'qt'] },
  'video/3gpp': { extensions: ['3gp'] },
  'audio/mp4': { extensions: ['m4a'], detectedAs: ['audio/x-m4a'] },
  [`${OOXML}.wordprocessingml.document`]: { extensions: ['docx'] },
  [`${OOXML}.spreadsheetml.sheet`]: { extensions: ['xlsx'] },
  [`${OOXML}.presentationml.presentation`]: { extensions: ['pptx'] },
  [`${ODF}.text`]: { extensions: ['odt'] },
  [`${ODF}.spreadsheet`]: { extensions: ['ods'] },
  [`${ODF}.presentation`]: { extensions: ['odp'] },
  'application/zip': { extensions: ['zip'], claimedAs: ['application/x-zip-compressed'] },
  'text/html': { extensions: ['html', 'htm'], active: true },
  'image/svg+xml': { extensions: ['svg'], active: true },
  'application/xml': { extensions: ['xml'], active: true },
  'application/vnd.microsoft.portable-executable': { extensions: ['exe', 'dll'], active: true, detectedAs: ['application/x-msdownload'] },
  'application/x-executable': { extensions: ['elf', 'bin'], active: true, detectedAs: ['application/x-elf'] },
  'application/x-mach-binary': { extensions: ['macho', 'bin'], active: true },
  'text/x-shellscript': { extensions: ['sh'], active: true },
} as const satisfies Record<string, MediaType>;

export type KnownType = keyof typeof MEDIA_TYPES;

/**
 * The ZIP-based office formats, by extension. `file-type` tells them apart by their entries; a file
 * named with one of these extensions must be that format (inspect-file.ts).
 */
export const OFFICE_BY_EXTENSION: Readonly<Record<string, KnownType>> = {
  docx: `${OOXML}.wordprocessingml.document`,
  xlsx: `${OOXML}.spreadsheetml.sheet`,
  pptx: `${OOXML}.presentationml.presentation`,
  odt: `${ODF}.text`,
  ods: `${ODF}.spreadsheet`,
  odp: `${ODF}.presentation`,
};

/** What a relay accepts without being told otherwise (RELAY_ATTACHMENT_TYPES). */
export const DEFAULT_TYPES: readonly string[] = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/heif',
  'application/pdf',
  'text/plain',
  'text/csv',
  'video/mp4',
  'video/quicktime',
  ...Object.values(OFFICE_BY_EXTENSION),
];

export const isKnownType = (type: string): type is KnownType => Object.hasOwn(MEDIA_TYPES, type);

/** The same table, typed as plain `MediaType`s so that optional properties read without casts. */
const BY_TYPE: Readonly<Record<KnownType, MediaType>> = MEDIA_TYPES;

/**
 * `file-type`'s answers that are text formats: the relay's own text rules decide those (an SVG
 * behind an XML declaration is SVG, not XML).
 */
const LEFT_TO_TEXT_RULES = new Set(['application/xml']);

/** The known type for a media type `file-type` answered, if the relay knows it. */
export function knownTypeOf(detected: string): KnownType | undefined {
  if (LEFT_TO_TEXT_RULES.has(detected)) return undefined;
  if (isKnownType(detected)) return detected;
  return (Object.keys(BY_TYPE) as KnownType[]).find((type) => BY_TYPE[type].detectedAs?.includes(detected) === true);
}

export const isActiveType = (type: string): boolean => isKnownType(type) && BY_TYPE[type].active === true;

/** What browsers may claim for files of `type` besides `type` itself (MediaType `claimedAs`). */
export const claimedAs = (type: KnownType): readonly string[] => BY_TYPE[type].claimedAs ?? [];

/** The known types a list of types and `family/*` wildcards accepts; a wildcard never takes an active type. */
export function expandTypes(types: readonly string[]): KnownType[] {
  return (Object.keys(MEDIA_TYPES) as KnownType[]).filter((type) =>
    types.some((wanted) => wanted === type || (wanted.endsWith('/*') && type.startsWith(wanted.slice(0, -1)) && !isActiveType(type))),
  );
}

/** The extension of a file name, lower-case, without the dot ('' when it has none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}
