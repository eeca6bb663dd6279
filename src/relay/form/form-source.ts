/** Where the relay gets its form: Socialboards' definitions, cached and built by the operator's config, with the attachment policy. */
import type { AttachmentPolicy } from '../../shared/attachments';
import type { FormChallenge } from '../../shared/form-definition';
import type { Logger } from '../log';
import type { SocialboardsClient } from '../upstream/socialboards-client';
import type { UpstreamResult } from '../upstream/upstream-result';
import { buildForm, formSchemas, servedForm } from './build-form';
import type { BuiltForm, Definitions, FormSchemas } from './build-form';
import { createDefinitionCache } from './definition-cache';
import { configLanguages, needsDefinitions } from './form-config';
import type { FormConfig } from './form-config';
import { ok } from '../../shared/result';

/**
 * A built form with its `GET /form` body, that body's strong ETag and the schemas requests are
 * checked with, computed once per copy (a request never builds a schema).
 */
export interface ServedForm extends BuiltForm {
  body: string;
  etag: string;
  schemas: FormSchemas;
}

export interface FormSource {
  /**
   * The form in `language` (the widget's, from `GET /form?locale=`): the copy built for the config
   * language that matches it (itself, else its primary language: `nb` for `nb-NO`), else the
   * default copy. Every copy has the same fields and rules; only the operator's texts differ.
   */
  get(language?: string): Promise<UpstreamResult<ServedForm>>;
}

export interface FormSourceOptions {
  config: FormConfig;
  ttlSeconds: number;
  client: Pick<SocialboardsClient, 'listCustomFields' | 'listCategories'>;
  now: () => number;
  log: Logger;
  /** What the relay accepts as attachments; null when it takes none. */
  attachments: AttachmentPolicy | null;
  /** The challenge the widget must solve; null when none. */
  challenge: FormChallenge | null;
}

/**
 * Creates the source. A config without custom fields and without a picker needs nothing from
 * Socialboards: its form (the built-in fields) is built once and nothing is ever fetched.
 */
export function createFormSource({ config, ttlSeconds, client, now, log, attachments, challenge }: FormSourceOptions): FormSource {
  const languages = configLanguages(config);
  // One copy per language the config has texts in, built together from one set of definitions.
  const serveAll = async (built: BuiltForm, definitions: Definitions): Promise<ServedForms> => {
    const extras = { attachments, challenge };
    const fallback = await serve(built, extras);
    // Only the operator's texts differ between copies, so every copy checks requests with the fallback's schemas.
    const copies = await Promise.all(
      languages.map(async (language) => [language, await serve(buildForm(definitions, config, language), extras, fallback.schemas)] as const),
    );
    return { fallback, byLanguage: new Map(copies) };
  };
  const pick = (forms: ServedForms, language: string | undefined) => {
    const tag = language?.toLowerCase() ?? '';
    return forms.byLanguage.get(tag) ?? forms.byLanguage.get(tag.replace(/-.*/, '')) ?? forms.fallback;
  };

  if (!needsDefinitions(config)) {
    const none: Definitions = { fields: [], categories: [] };
    const served = serveAll(buildForm(none, config), none);
    return { get: async (language) => ok(pick(await served, language)) };
  }

  let logged = '';
  const load = async (): Promise<UpstreamResult<ServedForms>> => {
    const none = ok([]);
    const [fields, categories] = await Promise.all([
      config.fields.length > 0 ? client.listCustomFields() : none,
      config.categories?.picker === true ? client.listCategories() : none,
    ]);
    if (!fields.ok) return fields;
    if (!categories.ok) return categories;
    const definitions: Definitions = { fields: fields.value, categories: categories.value };
    const built = buildForm(definitions, config);
    // The same problems come back with every refresh; say them again only when they change.
    const warnings = built.warnings.join('\n');
    if (warnings !== logged) for (const problem of built.warnings) log.warn('form config problem', { problem });
    logged = warnings;
    return ok(await serveAll(built, definitions));
  };
  const cache = createDefinitionCache({ load, ttlMs: ttlSeconds * 1000, now, log });
  return {
    get: async (language) => {
      const forms = await cache.get();
      return forms.ok ? ok(pick(forms.value, language)) : forms;
    },
  };
}

/** Every copy of one build: the default, and one per config language. */
interface ServedForms {
  fallback: ServedForm;
  byLanguage: ReadonlyMap<string, ServedForm>;
}

async function serve(
  built: BuiltForm,
  extras: { attachments: AttachmentPolicy | null; challenge: FormChallenge | null },
  schemas: FormSchemas = formSchemas(built),
): Promise<ServedForm> {
  const { attachments, challenge } = extras;
  // No `challenge` key at all without one: the body stays as it was before challenges existed.
  const body = JSON.stringify({ ...servedForm(built), attachments, ...(challenge === null ? {} : { challenge }) });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body));
  const hex = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return { ...built, body, etag: `"${hex.slice(0, 32)}"`, schemas };
}
