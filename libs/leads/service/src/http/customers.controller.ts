import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { formatMoney } from '@crm/contracts';
import { CommandRejected } from '@crm/event-sourcing';
import { OpenAccount, OpenContact } from '@crm/leads-domain';
import { CurrentActor, RequestActor, awaitPosition, commandContext, decodeCursor, encodeCursor, etag, historyEntry, requireRole } from '@crm/platform';
import type { FastifyReply } from 'fastify';
import { AccountResult, ContactResult, CustomersService } from '../customers.service';
import { CreateAccountDto, CreateContactDto, ListAccountsQuery, ListContactsQuery, MergeAccountDto, MergeContactDto, UpdateAccountDto, UpdateContactDto } from './customer.dto';

const accountUuid = new ParseUUIDPipe({ exceptionFactory: () => new CommandRejected('not_found', 'account-not-found', 'no such account') });
const contactUuid = new ParseUUIDPipe({ exceptionFactory: () => new CommandRejected('not_found', 'contact-not-found', 'no such contact') });

/** The API's representation of an account. */
export const accountView = (account: OpenAccount, revision: number) => ({
  id: account.accountId,
  name: account.profile.name,
  domain: account.profile.domain ?? null,
  industry: account.profile.industry ?? null,
  companySize: account.profile.companySize ?? null,
  annualRevenue: account.profile.annualRevenue ? formatMoney(account.profile.annualRevenue) : null,
  country: account.profile.country ?? null,
  region: account.profile.region ?? null,
  attributes: account.profile.attributes ?? {},
  ownerId: account.ownerId ?? null,
  leadId: account.leadId ?? null,
  mergedInto: account.mergedInto ?? null,
  mergedAccounts: account.mergedAccounts,
  createdAt: account.createdAt,
  revision,
});

/** The API's representation of a contact: name, email and phone are null once the person was erased. */
export const contactView = (contact: OpenContact, revision: number) => ({
  id: contact.contactId,
  accountId: contact.accountId ?? null,
  name: contact.profile.name ?? null,
  email: contact.profile.email ?? null,
  phone: contact.profile.phone ?? null,
  title: contact.profile.title ?? null,
  ownerId: contact.ownerId ?? null,
  leadId: contact.leadId ?? null,
  mergedInto: contact.mergedInto ?? null,
  mergedContacts: contact.mergedContacts,
  erased: contact.erased === true,
  createdAt: contact.createdAt,
  revision,
});

const headers = (reply: FastifyReply, result: { revision: number; position: number | null }) => {
  reply.header('etag', etag(result.revision));
  if (result.position !== null) reply.header('x-event-position', String(result.position));
};
const respondAccount = (reply: FastifyReply, result: AccountResult) => {
  headers(reply, result);
  return { ...accountView(result.state, result.revision), position: result.position };
};
const respondContact = (reply: FastifyReply, result: ContactResult) => {
  headers(reply, result);
  return { ...contactView(result.state, result.revision), position: result.position };
};

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('accounts')
export class AccountsController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an account (409 naming the existing one on a duplicate normalised domain or name)' })
  async create(@Body() dto: CreateAccountDto, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.customers.createAccount(dto, commandContext(actor));
    reply.header('location', `/accounts/${result.accountId}`);
    return respondAccount(reply, result);
  }

  @Get()
  @ApiOperation({ summary: 'List accounts: filter by text (name, domain), owner, industry, region; cursor-paginated by name' })
  async list(@Query() query: ListAccountsQuery, @CurrentActor() actor: RequestActor) {
    await awaitPosition(this.customers.viewSubscription, query.minPosition);
    const page = await this.customers.listAccounts(actor.tenantId, { ...query, cursor: decodeCursor(query.cursor), scope: await this.customers.scopeOf(actor) });
    return { items: page.items.map((item) => accountView(item.state, item.revision)), nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  @Get(':id')
  async get(@Param('id', accountUuid) id: string, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, revision } = await this.customers.getAccountFor(id.toLowerCase(), actor);
    reply.header('etag', etag(revision));
    return accountView(state, revision);
  }

  @Get(':id/history')
  async history(@Param('id', accountUuid) id: string, @CurrentActor() actor: RequestActor) {
    const { events } = await this.customers.getAccountFor(id.toLowerCase(), actor);
    return { accountId: id, events: events.map(historyEntry) };
  }

  @Patch(':id')
  async update(@Param('id', accountUuid) id: string, @Body() dto: UpdateAccountDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.customers.getAccountFor(id.toLowerCase(), actor);
    return respondAccount(reply, await this.customers.updateAccount(id.toLowerCase(), dto, commandContext(actor, ifMatch)));
  }

  @Post(':id/merge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Merge a duplicate account into this one; its contacts move here and it points at the survivor' })
  async merge(@Param('id', accountUuid) id: string, @Body() dto: MergeAccountDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.customers.getAccountFor(id.toLowerCase(), actor);
    await this.customers.getAccountFor(dto.duplicateId.toLowerCase(), actor);
    return respondAccount(reply, await this.customers.mergeAccount(id.toLowerCase(), dto.duplicateId.toLowerCase(), commandContext(actor, ifMatch)));
  }
}

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('contacts')
export class ContactsController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a contact (409 naming the existing one on a duplicate e-mail or phone, as for leads)' })
  async create(@Body() dto: CreateContactDto, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    if (dto.accountId) await this.customers.assertAccountVisible(dto.accountId, actor);
    const result = await this.customers.createContact(dto, commandContext(actor));
    reply.header('location', `/contacts/${result.contactId}`);
    return respondContact(reply, result);
  }

  @Get()
  @ApiOperation({ summary: 'List contacts: filter by account and text; cursor-paginated' })
  async list(@Query() query: ListContactsQuery, @CurrentActor() actor: RequestActor) {
    await awaitPosition(this.customers.viewSubscription, query.minPosition);
    const page = await this.customers.listContacts(actor.tenantId, { ...query, cursor: decodeCursor(query.cursor), scope: await this.customers.scopeOf(actor) });
    return { items: page.items.map((item) => contactView(item.state, item.revision)), nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  @Get(':id')
  async get(@Param('id', contactUuid) id: string, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, revision } = await this.customers.getContactFor(id.toLowerCase(), actor);
    reply.header('etag', etag(revision));
    return contactView(state, revision);
  }

  @Patch(':id')
  async update(@Param('id', contactUuid) id: string, @Body() dto: UpdateContactDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.customers.getContactFor(id.toLowerCase(), actor);
    if (dto.accountId) await this.customers.assertAccountVisible(dto.accountId, actor);
    return respondContact(reply, await this.customers.updateContact(id.toLowerCase(), dto, commandContext(actor, ifMatch)));
  }

  @Post(':id/merge')
  @HttpCode(200)
  async merge(@Param('id', contactUuid) id: string, @Body() dto: MergeContactDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.customers.getContactFor(id.toLowerCase(), actor);
    await this.customers.getContactFor(dto.duplicateId.toLowerCase(), actor);
    return respondContact(reply, await this.customers.mergeContact(id.toLowerCase(), dto.duplicateId.toLowerCase(), commandContext(actor, ifMatch)));
  }

  @Post(':id/erase')
  @HttpCode(200)
  @ApiOperation({ summary: 'GDPR erasure (admin only): shreds the key of the contact’s name, e-mail and phone in every copy of the events' })
  async erase(@Param('id', contactUuid) id: string, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.customers.getContactFor(id.toLowerCase(), actor);
    requireRole(actor, ['admin'], 'erase personal data');
    return respondContact(reply, await this.customers.eraseContact(id.toLowerCase(), commandContext(actor, ifMatch)));
  }
}
