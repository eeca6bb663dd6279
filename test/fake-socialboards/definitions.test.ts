import { describe, expect, it } from 'vitest';
import { makeFake } from './support';

interface CustomField {
  id: number;
  name: string;
  type: string;
  isHidden: boolean;
  isRequired: boolean;
  isSensitiveData: boolean;
  possibleValues: { order: number; value: string }[];
}
interface Category {
  id: number;
  name: string;
  parents: number[];
}

async function read<T>(path: string): Promise<T> {
  const fake = makeFake();
  const answer = await fake.getWithToken(path, await fake.token());
  expect(answer.status).toBe(200);
  const envelope = (await answer.json()) as { data: T; errorCode: number; errorText: null };
  expect(envelope.errorCode).toBe(-1);
  expect(envelope.errorText).toBeNull();
  return envelope.data;
}

describe('GET /customfields', () => {
  it('serves the doc example region field with Norwegian counties', async () => {
    const fields = await read<CustomField[]>('/customfields');
    const region = fields.find((field) => field.id === 42623);

    expect(region).toMatchObject({
      assignedCategoryIds: [],
      defaultValue: null,
      isHidden: false,
      isRequired: false,
      isSensitiveData: false,
      name: 'Shop region',
      order: 1,
      placeholder: 'region',
      type: 'region',
      value: null,
    });
    expect(region?.possibleValues.slice(0, 3)).toEqual([
      { order: 1, value: 'Østfold' },
      { order: 2, value: 'Akershus' },
      { order: 3, value: 'Oslo' },
    ]);
  });

  it('serves every Custom Field key of the doc example on every field', async () => {
    const fields = await read<Record<string, unknown>[]>('/customfields');

    for (const field of fields) {
      expect(Object.keys(field).toSorted()).toEqual([
        'assignedCategoryIds', 'defaultValue', 'id', 'isHidden', 'isRequired', 'isSensitiveData', 'name', 'order',
        'placeholder', 'possibleValues', 'type', 'value',
      ]);
    }
  });

  it('offers a field for each kind of control, and a required, a hidden and a sensitive one', async () => {
    const fields = await read<CustomField[]>('/customfields');

    expect(new Set(fields.map((field) => field.type))).toEqual(
      new Set(['region', 'text', 'textarea', 'number', 'date', 'email', 'phone', 'url', 'checkbox', 'multiselect']),
    );
    expect(fields.some((field) => field.isRequired)).toBe(true);
    expect(fields.some((field) => field.isHidden)).toBe(true);
    expect(fields.some((field) => field.isSensitiveData)).toBe(true);
    expect(new Set(fields.map((field) => field.id)).size).toBe(fields.length);
  });
});

describe('GET /categories', () => {
  it('serves a tree whose parents lists ancestor ids from the root', async () => {
    const categories = await read<Category[]>('/categories');
    const byId = new Map(categories.map((category) => [category.id, category]));

    expect(byId.get(15597)).toEqual({ id: 15597, name: 'Sales', parents: [] });
    expect(byId.get(15721)).toEqual({ id: 15721, name: 'Other cases', parents: [] });
    expect(categories.filter((category) => category.parents.at(-1) === 15597).map((category) => category.name))
      .toEqual(['New cars', 'Used cars']);
    for (const category of categories) {
      category.parents.forEach((parentId, depth) => {
        expect(byId.get(parentId)?.parents).toEqual(category.parents.slice(0, depth));
      });
    }
  });
});
