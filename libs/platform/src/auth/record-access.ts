import { ActorRole } from '@crm/contracts';

/** One member of a tenant's team directory, as far as access is concerned. */
export type DirectoryMember = { memberId: string; managerId?: string | null; region?: string | null };

/** Who may see which records: the whole tenant, or records owned by some members plus unassigned leads in some regions. */
export type AccessScope = { tenantWide: true } | { tenantWide: false; ownerIds: string[]; unassignedRegions: string[] };

/** What a record tells about its owner. `unassignedRegion` is set only for leads, which a region's reps may pick up. */
export type RecordOwnership = { ownerId?: string | null; unassignedRegion?: string | null };

const normalRegion = (region: string | null | undefined): string | undefined => {
  const trimmed = region?.trim().toLowerCase();
  return trimmed ? trimmed : undefined;
};

/**
 * The records an actor may read and change within their tenant:
 * - admin and integration: the whole tenant;
 * - manager: their own records and those of every member under them in the directory (reports of
 *   reports too), plus unassigned leads in any of those members' regions;
 * - rep: their own records, plus unassigned leads in their region (from the directory).
 * Another tenant's records are never in scope: callers look records up by tenant first.
 */
export const accessScope = (actor: { userId: string; roles: readonly ActorRole[] }, directory: readonly DirectoryMember[]): AccessScope => {
  if (actor.roles.some((role) => role === 'admin' || role === 'integration')) return { tenantWide: true };
  const owners = new Set([actor.userId]);
  if (actor.roles.includes('manager')) {
    // Breadth-first down the reporting lines; the set stops a cycle in the directory.
    const queue = [actor.userId];
    while (queue.length > 0) {
      const manager = queue.shift() as string;
      for (const member of directory) {
        if (member.managerId === manager && !owners.has(member.memberId)) {
          owners.add(member.memberId);
          queue.push(member.memberId);
        }
      }
    }
  }
  const regions = new Set<string>();
  for (const member of directory) {
    const region = normalRegion(member.region);
    if (owners.has(member.memberId) && region) regions.add(region);
  }
  return { tenantWide: false, ownerIds: [...owners].sort(), unassignedRegions: [...regions].sort() };
};

/** Whether a record of the actor's tenant is within the scope. */
export const inScope = (scope: AccessScope, record: RecordOwnership): boolean => {
  if (scope.tenantWide) return true;
  if (record.ownerId) return scope.ownerIds.includes(record.ownerId);
  const region = normalRegion(record.unassignedRegion);
  return region !== undefined && scope.unassignedRegions.includes(region);
};

/** Whether the actor may read and change a record of their own tenant. */
export const canAccess = (actor: { userId: string; roles: readonly ActorRole[] }, record: RecordOwnership, directory: readonly DirectoryMember[]): boolean =>
  inScope(accessScope(actor, directory), record);

/**
 * The scope as a SQL condition for the read-model lists: `ownerColumn` holds the owner, and
 * `regionColumn` (leads only) the region of an unassigned record. `param` adds a bound value and
 * returns its placeholder. Undefined for a tenant-wide scope (no condition).
 */
export const scopeSql = (scope: AccessScope, ownerColumn: string, param: (value: unknown) => string, regionColumn?: string): string | undefined => {
  if (scope.tenantWide) return undefined;
  const owned = `${ownerColumn} = ANY(${param(scope.ownerIds)}::text[])`;
  if (!regionColumn || scope.unassignedRegions.length === 0) return `(${owned})`;
  return `(${owned} OR (${ownerColumn} IS NULL AND lower(btrim(${regionColumn})) = ANY(${param(scope.unassignedRegions)}::text[])))`;
};

/** Reads a directory table with `tenant_id`, `member_id`, `manager_id` and `region` columns. */
export const readDirectory = async (db: { query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }> }, table: string, tenantId: string): Promise<DirectoryMember[]> => {
  const { rows } = (await db.query(`SELECT member_id, manager_id, region FROM ${table} WHERE tenant_id = $1`, [tenantId])) as { rows: Array<{ member_id: string; manager_id: string | null; region: string | null }> };
  return rows.map((row) => ({ memberId: row.member_id, managerId: row.manager_id, region: row.region }));
};

/** Adds the scope's condition to a list's WHERE clause (see sqlConditions); nothing for a tenant-wide scope. */
export const applyScope = (conditions: { where: string[]; params: unknown[] }, scope: AccessScope | undefined, ownerColumn: string, regionColumn?: string): void => {
  if (!scope) return;
  const condition = scopeSql(
    scope,
    ownerColumn,
    (value) => {
      conditions.params.push(value);
      return `$${conditions.params.length}`;
    },
    regionColumn,
  );
  if (condition) conditions.where.push(condition);
};
