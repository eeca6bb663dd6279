/**
 * The floor for `npm run bench:browser`: the least a Preact + @preact/signals + valibot form
 * widget needs: four fields in a shadow root, each validated by a schema built once, its message
 * shown after the visitor leaves the field and updated as they type. No network, no i18n, no
 * options: what is left when every feature of ours is taken away.
 */
import { computed, signal } from '@preact/signals';
import { render } from 'preact';
import * as v from 'valibot';

const required = v.pipe(v.string(), v.trim(), v.nonEmpty('This field is required.'));

/** One field's state: its value, whether the visitor has left it, and the message that follows. */
function fieldState(schema: v.GenericSchema<string, string>) {
  const value = signal('');
  const touched = signal(false);
  const error = computed(() => {
    if (!touched.value) return undefined;
    const result = v.safeParse(schema, value.value);
    return result.success ? undefined : result.issues[0].message;
  });
  return { value, touched, error };
}

const SPECS = [
  { name: 'subject', label: 'Subject', schema: v.pipe(required, v.maxLength(200, 'At most 200 characters.')) },
  { name: 'message', label: 'Message', schema: required, multiline: true },
  { name: 'email', label: 'Email', schema: v.pipe(required, v.email('Enter an email address like name@example.com.')) },
  { name: 'topic', label: 'Topic', schema: required, choices: ['Question', 'Problem', 'Praise'] },
] as const;

const FIELDS = SPECS.map((spec) => ({ ...spec, ...fieldState(spec.schema) }));

// Each Field reads only its own signals, so typing re-renders that field alone.
function Field({ field }: { field: (typeof FIELDS)[number] }) {
  const { name, label, value, touched, error } = field;
  const common = {
    id: name,
    name,
    value: value.value,
    'aria-invalid': error.value ? ('true' as const) : undefined,
    'aria-describedby': error.value ? `${name}-error` : undefined,
    onBlur: () => (touched.value = true),
  };
  const onInput = (event: Event) => (value.value = (event.currentTarget as HTMLInputElement).value);
  return (
    <div class="field">
      <label for={name}>{label}</label>
      {error.value && (
        <p id={`${name}-error`} class="error">
          {error.value}
        </p>
      )}
      {'choices' in field ? (
        <select {...common} onChange={onInput}>
          <option value="">Choose…</option>
          {field.choices.map((choice) => (
            <option key={choice}>{choice}</option>
          ))}
        </select>
      ) : 'multiline' in field ? (
        <textarea {...common} rows={6} onInput={onInput} />
      ) : (
        // Preact types `type` per input kind; one cast, as src/widget/field-controls.tsx does.
        <input {...common} type={(name === 'email' ? 'email' : 'text') as 'text'} onInput={onInput} />
      )}
    </div>
  );
}

function Form() {
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        for (const { touched } of FIELDS) touched.value = true;
      }}
    >
      {FIELDS.map((field) => (
        <Field key={field.name} field={field} />
      ))}
      <button type="submit">Send</button>
    </form>
  );
}

const STYLES = `
.field { display: grid; gap: 4px; margin-block-end: 12px; font: 14px system-ui, sans-serif; }
input, textarea, select { font: inherit; padding: 6px; border: 1px solid #888; border-radius: 4px; }
[aria-invalid="true"] { border-color: #b00020; }
.error { margin: 0; color: #b00020; }
`;

const host = document.createElement('div');
document.body.append(host);
const shadow = host.attachShadow({ mode: 'open' });
const sheet = new CSSStyleSheet();
sheet.replaceSync(STYLES);
shadow.adoptedStyleSheets = [sheet];
render(<Form />, shadow);
