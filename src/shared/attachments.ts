/**
 * Attachments: the limits a relay sets, which the widget checks before uploading and the relay
 * enforces again, and the answer to an upload.
 */

/** What a relay accepts, served to the widget in `GET /form` (`attachments`, null when off). */
export interface AttachmentPolicy {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
  /** Accepted media types; `image/*` accepts every image type the relay knows. */
  types: string[];
  /**
   * When the relay stores files in object storage and lets browsers upload straight to it:
   * the widget asks for an upload URL, PUTs the file there, then has the relay check it.
   */
  direct?: boolean;
}

/** `201` body of `POST {relay}/attachments` (and of completing a direct upload). */
export interface UploadedAttachment {
  /** The opaque reference the ticket request lists under `attachments`; a capability, not a URL. */
  id: string;
  name: string;
  size: number;
  /** The media type the relay found in the file's first bytes. */
  type: string;
}

/** `201` body of `POST {relay}/attachments/uploads`: where to PUT a file directly. */
export interface DirectUpload {
  id: string;
  url: string;
  /** Headers the PUT must carry (the signed Content-Type). */
  headers: Record<string, string>;
}

/** Why a chosen file cannot be attached, before any byte is sent. */
export type FileProblem = 'too_many_files' | 'file_too_large' | 'total_too_large' | 'file_type';

/** Whether a media type is in a list of types and `type/*` wildcards. */
export const typeAccepted = (type: string, types: readonly string[]) =>
  types.some((accepted) => accepted === type || (accepted.endsWith('/*') && type.startsWith(accepted.slice(0, -1))));

/**
 * Checks a file against the policy, given the files already attached. The browser's type is only
 * a claim; an empty one (an extension it does not know) is left for the relay to judge by content.
 */
export function checkFile(
  file: { size: number; type: string },
  attached: readonly { size: number }[],
  policy: AttachmentPolicy,
): FileProblem | undefined {
  if (attached.length >= policy.maxFiles) return 'too_many_files';
  if (file.size > policy.maxFileBytes) return 'file_too_large';
  if (attached.reduce((sum, one) => sum + one.size, file.size) > policy.maxTotalBytes) return 'total_too_large';
  if (file.type && !typeAccepted(file.type, policy.types)) return 'file_type';
  return undefined;
}
