import { describe, expect, it } from 'vitest';
import { CategoryDefinition, CustomFieldDefinition, readList } from '../../src/relay/upstream/definitions';

describe('reading Socialboards definitions', () => {
  it('reads the documented custom field example, dropping what the relay does not use', () => {
    const example = {
      assignedCategoryIds: [],
      defaultValue: null,
      id: 42623,
      isHidden: false,
      isRequired: false,
      isSensitiveData: false,
      name: 'Shop region',
      order: 1,
      placeholder: 'region',
      possibleValues: [{ order: 1, value: 'Østfold' }, { order: 2, value: 'Akershus' }, { order: 3, value: 'Oslo' }],
      type: 'region',
      value: null,
    };
    expect(readList(CustomFieldDefinition, [example])).toEqual({
      items: [
        {
          id: 42623,
          name: 'Shop region',
          type: 'region',
          order: 1,
          isHidden: false,
          isRequired: false,
          isSensitiveData: false,
          placeholder: 'region',
          defaultValue: null,
          possibleValues: example.possibleValues,
        },
      ],
      skipped: [],
    });
  });

  it('reads missing or null flags and possibleValues as false and none', () => {
    const [field] = readList(CustomFieldDefinition, [{ id: 1, name: 'X', type: 'rating', possibleValues: null, isHidden: null, newKey: 1 }])?.items ?? [];
    expect(field).toEqual({
      id: 1, name: 'X', type: 'rating', order: null, isHidden: false, isRequired: false, isSensitiveData: false,
      placeholder: null, defaultValue: null, possibleValues: [],
    });
  });

  it('skips an item it cannot read and names its index and keys, never its values', () => {
    expect(readList(CustomFieldDefinition, [{ id: 1, name: 'A', type: 'text' }, { id: '2', name: 'secret name' }])?.skipped).toEqual([
      { index: 1, keys: ['id', 'type'] },
    ]);
  });

  it('refuses an answer that is not a list', () => {
    expect(readList(CategoryDefinition, { categories: [] })).toBeUndefined();
  });

  it('reads category parents given as ids or as category objects', () => {
    expect(
      readList(CategoryDefinition, [
        { id: 2, name: 'B', parents: [{ id: 1, name: 'A', parents: [] }] },
        { id: 3, name: 'C', parents: [1, 2] },
        { id: 1, name: 'A' },
      ])?.items,
    ).toEqual([
      { id: 2, name: 'B', parents: [1] },
      { id: 3, name: 'C', parents: [1, 2] },
      { id: 1, name: 'A', parents: [] },
    ]);
  });
});
