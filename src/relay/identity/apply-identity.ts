/**
 * Puts what a verified token vouches for into a ticket request: its name and email win over typed
 * ones, and fields the form config marks `signed` take their values from the token only.
 */
import { checkAgainstForm } from '../../shared/custom-fields';
import type { CustomValues } from '../../shared/custom-fields';
import { FIELD_ISSUE_TEXT_EN, formatIssue } from '../../shared/field-issues';
import type { RelayFieldError } from '../../shared/relay-contract';
import type { TicketRequest } from '../../shared/ticket-request';
import type { BuiltForm } from '../form/build-form';
import { fieldErrors } from '../field-errors';
import type { IdentityClaims } from './identity-token';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';

/** Why the identity does not fit the request: the error code to answer with, and what to say. */
export type IdentityMismatch =
  | { code: 'validation'; message: string; fields: RelayFieldError[] }
  | { code: 'identity_invalid' | 'identity_required'; message: string };

/** The request as the ticket is made, or why it cannot be. */
export type AppliedIdentity = Result<TicketRequest, IdentityMismatch>;

const list = (ids: readonly number[]) => ids.join(', ');

/**
 * The request as the ticket is made: `claims` are a verified token's (undefined without one).
 * A typed value for a signed field is refused (400 on `customFields.<id>`), not dropped, so an
 * integrator learns at once that the widget cannot set it; the token's values are checked like
 * typed ones, and a bad one is the signer's mistake (401 `identity_invalid`).
 */
export function applyIdentity(
  request: TicketRequest,
  claims: IdentityClaims | undefined,
  built: Pick<BuiltForm, 'form' | 'rules'>,
): AppliedIdentity {
  const signedFields = built.form.fields.filter((field) => built.rules.get(field.id)?.signed === true);
  const isSigned = (id: number) => built.rules.get(id)?.signed === true;

  const typed = [...new Set((request.customFields ?? []).filter(({ id }) => isSigned(id)).map(({ id }) => id))];
  if (typed.length > 0) {
    return fail({
      code: 'validation',
      message: `Custom field${typed.length === 1 ? '' : 's'} ${list(typed)} take${typed.length === 1 ? 's' : ''} values only from the signed identity token ("signed" in the form config); leave ${typed.length === 1 ? 'it' : 'them'} out of customFields.`,
      fields: fieldErrors(typed.map((id) => ({ path: `customFields.${id}`, code: 'unknown_field' }))),
    });
  }

  const given = claims?.fields ?? {};
  const unsigned = Object.keys(given).map(Number).filter((id) => !isSigned(id));
  if (unsigned.length > 0) {
    return fail({
      code: 'identity_invalid',
      message: `The identity token carries custom field${unsigned.length === 1 ? '' : 's'} ${list(unsigned)}, which the relay's form config does not mark "signed"; sign only signed fields.`,
    });
  }

  // A multiple-choice field signed as one string is one choice, as a prefill is in the widget.
  const values: CustomValues = {};
  for (const field of signedFields) {
    const value = given[field.id];
    if (value !== undefined) values[field.id] = field.control === 'multichoice' && typeof value === 'string' ? [value] : value;
  }
  const [issue] = checkAgainstForm({ fields: signedFields, categories: null }, values, undefined);
  if (issue !== undefined) {
    const id = issue.path.slice('customFields.'.length);
    if (claims === undefined) {
      return fail({ code: 'identity_required', message: `Custom field ${id} is signed and required: send a signed identity token that carries it.` });
    }
    const message =
      issue.code === 'required'
        ? `The identity token has no value for custom field ${id}, which is signed and required.`
        : `The identity token's value for custom field ${id} is not valid: ${formatIssue(FIELD_ISSUE_TEXT_EN[issue.code], issue)}`;
    return fail({ code: 'identity_invalid', message });
  }

  const signedEntries = Object.entries(values).flatMap(([id, value]) =>
    (Array.isArray(value) ? value : [value]).map((one) => ({ id: Number(id), value: one })),
  );
  const customFields = [...(request.customFields ?? []), ...signedEntries];
  return ok({
    ...request,
    creator: {
      ...request.creator,
      ...(claims?.name === undefined ? {} : { name: claims.name }),
      ...(claims?.email === undefined ? {} : { email: claims.email }),
    },
    ...(customFields.length === 0 ? {} : { customFields }),
  });
}
