/**
 * A WHERE clause built from optional filters with numbered parameters, for the read-model lists:
 * `add((p) => \`status = ${p}\`, value)` appends a condition and its value.
 */
export const sqlConditions = (first: (placeholder: string) => string, firstValue: unknown) => {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  add(first, firstValue);
  return { where, params, add };
};
