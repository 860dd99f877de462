import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { UpsertTeamMemberDto } from './task.dto';

const member = { name: 'Ada Lovelace', email: 'ada@example.com', role: 'rep', active: true };
const failures = (body: Record<string, unknown>) => validateSync(plainToInstance(UpsertTeamMemberDto, body)).map((error) => [error.property, Object.values(error.constraints ?? {})]);

describe('UpsertTeamMemberDto', () => {
  it('takes an e-mail address', () => {
    expect(failures(member)).toEqual([]);
    expect(failures({ ...member, email: 'ada.lovelace+crm@analytical-engines.co.uk' })).toEqual([]);
  });

  it('refuses text with a lone surrogate as an e-mail address instead of throwing', () => {
    for (const email of ['\ud800', 'ada\udfff@example.com', 'ada@exa\ud800mple.com']) {
      expect(failures({ ...member, email })).toEqual([['email', ['email must be an e-mail address']]]);
    }
    // A whole surrogate pair is a character like any other: not an address here, but no error either.
    expect(failures({ ...member, email: '😀' })).toEqual([['email', ['email must be an e-mail address']]]);
  });
});
