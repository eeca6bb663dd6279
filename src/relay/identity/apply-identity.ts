/**
 * What a verified identity token vouches for, as values by path: its name and email (which win
 * over typed ones, and are used even where the operator hides those fields) and the values of the
 * fields the form config marks `signed`, which come from the token only.
 */
import { FIELD_ISSUE_TEXT_EN, formatIssue } from '../../shared/field-issues';
import { checkValues } from '../../shared/field-values';
import type { FieldValues } from '../../shared/field-values';
import { customFieldId, customFieldPath } from '../../shared/form-definition';
import type { RelayFieldError } from '../../shared/relay-contract';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';
import { isSigned } from '../form/build-form';
import type { BuiltForm, FormSchemas } from '../form/build-form';
import { fieldErrors } from '../field-errors';
import type { IdentityClaims } from './identity-token';

/** Why the identity part of a request was refused: a typed signed value (400), or the token itself (401). */
export type IdentityMismatch =
  | { code: 'validation'; message: string; fields: RelayFieldError[] }
  | { code: 'identity_invalid' | 'identity_required'; message: string };

const list = (ids: readonly number[]) => ids.join(', ');

/**
 * The vouched values: `claims` are a verified token's (undefined without one), `typed` the
 * request's values by path. A typed value for a signed field is refused (400 on
 * `customFields.<id>`), not dropped, so an integrator learns at once that the widget cannot set
 * it; the token's values are checked with the signed fields' schema, and a bad one is the
 * signer's mistake (401 `identity_invalid`). The name and email were checked when the token was
 * read (identity-token.ts), by the built-in fields' rules.
 */
export function vouchedValues(
  typed: FieldValues,
  claims: IdentityClaims | undefined,
  built: Pick<BuiltForm, 'form' | 'rules'> & { schemas: Pick<FormSchemas, 'signed'> },
): Result<FieldValues, IdentityMismatch> {
  const signedIds = built.form.fields.filter((field) => isSigned(field, built.rules)).map((field) => customFieldId(field.path));
  const isSignedId = (id: number) => signedIds.includes(id);

  const typedSigned = Object.keys(typed).map(customFieldId).filter((id): id is number => id !== undefined && isSignedId(id));
  if (typedSigned.length > 0) {
    const one = typedSigned.length === 1;
    return fail({
      code: 'validation',
      message: `Custom field${one ? '' : 's'} ${list(typedSigned)} take${one ? 's' : ''} values only from the signed identity token ("signed" in the form config); leave ${one ? 'it' : 'them'} out of customFields.`,
      fields: fieldErrors(typedSigned.map((id) => ({ path: customFieldPath(id), code: 'unknown_field' }))),
    });
  }

  const given = claims?.fields ?? {};
  const unsigned = Object.keys(given).map(Number).filter((id) => !isSignedId(id));
  if (unsigned.length > 0) {
    const one = unsigned.length === 1;
    return fail({
      code: 'identity_invalid',
      message: `The identity token carries custom field${one ? '' : 's'} ${list(unsigned)}, which the relay's form config does not mark "signed"; sign only signed fields.`,
    });
  }

  // A multiple-choice field signed as one string is one choice, as a prefill is in the widget.
  const signed: FieldValues = {};
  for (const field of built.form.fields) {
    const id = customFieldId(field.path);
    const value = id === undefined ? undefined : given[id];
    if (value !== undefined) signed[field.path] = field.control === 'multichoice' && typeof value === 'string' ? [value] : value;
  }
  const checked = checkValues(built.schemas.signed, signed);
  if (!checked.ok) {
    const [issue] = checked.error;
    const id = issue === undefined ? '' : String(customFieldId(issue.path));
    if (claims === undefined) {
      return fail({ code: 'identity_required', message: `Custom field ${id} is signed and required: send a signed identity token that carries it.` });
    }
    const message =
      issue?.code === 'required'
        ? `The identity token has no value for custom field ${id}, which is signed and required.`
        : `The identity token's value for custom field ${id} is not valid: ${issue === undefined ? '' : formatIssue(FIELD_ISSUE_TEXT_EN[issue.code], issue)}`;
    return fail({ code: 'identity_invalid', message });
  }

  return ok({
    ...checked.value,
    ...(claims?.name === undefined ? {} : { 'creator.name': claims.name }),
    ...(claims?.email === undefined ? {} : { 'creator.email': claims.email }),
  });
}
