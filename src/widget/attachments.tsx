/** The attachments section: add by picker, drop or paste; a list with progress, remove and retry. */
import { useRef } from 'preact/hooks';
import type { AttachmentPolicy } from '../shared/attachments';
import type { Attached, AttachmentList } from '../submitter/attachment-list';
import type { FieldIssue } from '../shared/field-issues';
import { Field } from './field-controls';
import { known, type Translate } from './i18n';

/** "2.4 MB", in the visitor's number format; binary units, as the relay's limits are set (MB = 1024 KB). */
export function formatBytes(bytes: number, locale: string): string {
  const [value, unit] = bytes < 1 << 20 ? [bytes / 1024, 'kilobyte'] : [bytes / (1 << 20), 'megabyte'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}

/** Files from a drop, a paste or the file picker, if it carries any. */
export const filesOf = (source: { files: FileList | null } | null) => [...(source?.files ?? [])];

interface Props {
  list: AttachmentList;
  /** The message to show for the attachments as a whole. */
  issue: FieldIssue | undefined;
  policy: AttachmentPolicy;
  t: Translate;
}

function Row({ one, list, t }: Pick<Props, 'list' | 't'> & { one: Attached }) {
  const { name, size } = one.file;
  const words = t(one.status === 'failed' ? known(`upload.${one.code}`, 'upload.failed') : one.status === 'done' ? 'uploaded' : 'uploading');
  return (
    <li class={`file file-${one.status}`}>
      <span class="file-name">{name}</span>
      <span class="muted">{formatBytes(size, t.locale)}</span>
      <progress value={one.progress} max={1} aria-label={`${name}: ${words}`} />
      <span class="muted">{words}</span>
      {/* A file put back from a draft has no bytes here to upload again: it can only be added again. */}
      {one.status === 'failed' && one.file instanceof Blob && (
        <button type="button" class="link" aria-label={`${t('reload')}: ${name}`} onClick={() => list.retry(one.key)}>
          {t('reload')}
        </button>
      )}
      <button type="button" class="link" aria-label={`${t('remove')}: ${name}`} onClick={() => list.remove(one.key)}>
        {t('remove')}
      </button>
    </li>
  );
}

export function Attachments({ list, issue, policy, t }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const { files, refused } = list;
  const limits = { count: policy.maxFiles, size: formatBytes(policy.maxFileBytes, t.locale), total: formatBytes(policy.maxTotalBytes, t.locale) };
  const add = (chosen: File[]) => {
    if (chosen.length) list.add(chosen);
  };
  return (
    <Field
      id="files"
      label={t('attachments')}
      optional
      issue={issue}
      message={files.value.some((one) => one.status === 'failed') ? t('filesFailed') : undefined}
      t={t}
      group
    >
      {refused.value.map(({ name, problem }, index) => (
        <p key={index} class="error" role="alert">
          {t(`upload.${problem}`, { name, ...limits })}
        </p>
      ))}
      <div
        class="drop"
        onDragOver={(event) => {
          event.preventDefault();
          event.currentTarget.classList.add('over');
        }}
        onDragLeave={(event) => event.currentTarget.classList.remove('over')}
        onDrop={(event) => {
          event.preventDefault();
          event.currentTarget.classList.remove('over');
          add(filesOf(event.dataTransfer));
        }}
      >
        <button type="button" class="secondary" onClick={() => input.current?.click()}>
          {t('addFiles')}
        </button>
        <span class="muted">{t('dropHint', limits)}</span>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          accept={policy.types.join(',')}
          onChange={(event) => {
            add(filesOf(event.currentTarget));
            event.currentTarget.value = '';
          }}
        />
      </div>
      {files.value.length > 0 && (
        <ul class="files">
          {files.value.map((one) => (
            <Row key={one.key} one={one} list={list} t={t} />
          ))}
        </ul>
      )}
    </Field>
  );
}
