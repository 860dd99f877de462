import { memberIdPattern, uuidPattern } from '@crm/contracts';
import { normalizeDomain } from '@crm/leads-domain';
import { decorator } from '@crm/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { MoneyDto } from './lead.dto';
import { IsAttributes, IsInternationalPhone, Optional } from './validators';

/** A web domain (or a URL naming one) that normalises to a host name. */
const IsWebDomain = decorator('isWebDomain', '$property must be a web domain such as example.com', (value) => typeof value === 'string' && value.length <= 300 && normalizeDomain(value) !== null);

class AccountFields {
  @ApiPropertyOptional({ example: 'analytical-engines.example', description: 'Web domain; normalised, it is a dedupe key' })
  @Optional()
  @IsWebDomain()
  domain?: string;

  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(100) industry?: string;
  @ApiPropertyOptional() @Optional() @IsInt() @Min(1) @Max(10_000_000) companySize?: number;

  @ApiPropertyOptional({ type: MoneyDto })
  @Optional()
  // ValidateNested alone lets an array through (each element validated: none for [], and [] drops the field).
  @IsObject({ message: 'annualRevenue must be an object {amount, currency}' })
  @ValidateNested()
  @Type(() => MoneyDto)
  annualRevenue?: MoneyDto;

  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(100) country?: string;
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(100) region?: string;
  @ApiPropertyOptional() @Optional() @Matches(memberIdPattern, { message: 'ownerId must be a team member id' }) ownerId?: string;

  @ApiPropertyOptional({ description: 'Custom fields: string, number or boolean values' })
  @Optional()
  @IsAttributes()
  attributes?: Record<string, string | number | boolean>;
}

export class CreateAccountDto extends AccountFields {
  @ApiProperty({ example: 'Analytical Engines Ltd', description: 'Company name; normalised, it is a dedupe key' })
  @IsString()
  @Matches(/[\p{L}\p{N}]/u, { message: 'name must contain a letter or digit' })
  @MaxLength(200)
  name!: string;
}

export class UpdateAccountDto extends AccountFields {
  @ApiPropertyOptional() @Optional() @IsString() @Matches(/[\p{L}\p{N}]/u, { message: 'name must contain a letter or digit' }) @MaxLength(200) name?: string;
}

export class MergeAccountDto {
  @ApiProperty() @Matches(uuidPattern, { message: 'duplicateId must be an account id' }) duplicateId!: string;
}

export class ListAccountsQuery {
  @IsOptional() @IsString() @MaxLength(100) q?: string;
  @IsOptional() @Matches(memberIdPattern) ownerId?: string;
  @IsOptional() @IsString() @MaxLength(100) industry?: string;
  @IsOptional() @IsString() @MaxLength(100) region?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @IsOptional() @Matches(/^\d{1,15}$/) minPosition?: string;
}

class ContactFields {
  @ApiPropertyOptional({ description: 'The account the person works for' })
  @Optional()
  @Matches(uuidPattern, { message: 'accountId must be an account id' })
  accountId?: string;

  @ApiPropertyOptional({ example: 'ada@example.com' })
  @Optional()
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: '+44 20 7946 0958' }) @Optional() @IsInternationalPhone() phone?: string;
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(200) title?: string;
  @ApiPropertyOptional() @Optional() @Matches(memberIdPattern, { message: 'ownerId must be a team member id' }) ownerId?: string;
}

export class CreateContactDto extends ContactFields {
  @ApiProperty({ example: 'Ada Lovelace' }) @IsString() @Matches(/\S/, { message: 'name must not be blank' }) @MaxLength(200) name!: string;
}

export class UpdateContactDto extends ContactFields {
  @ApiPropertyOptional() @Optional() @IsString() @Matches(/\S/, { message: 'name must not be blank' }) @MaxLength(200) name?: string;
}

export class MergeContactDto {
  @ApiProperty() @Matches(uuidPattern, { message: 'duplicateId must be a contact id' }) duplicateId!: string;
}

export class ListContactsQuery {
  @IsOptional() @Matches(uuidPattern, { message: 'accountId must be an account id' }) accountId?: string;
  @IsOptional() @IsString() @MaxLength(100) q?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @IsOptional() @Matches(/^\d{1,15}$/) minPosition?: string;
}
