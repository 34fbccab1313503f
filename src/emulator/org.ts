// One emulated org: schema, data, sessions, limits and counters. The HTTP layer and the test
// controls both work on this object; nothing here knows about sockets.
import { AuthService } from './auth/auth-service.ts';
import { IdGenerator, toBase62, toId18 } from './ids.ts';
import type { ResolvedOptions, EmulatorUser } from './options.ts';
import { buildSchema, sfdxObjectDirs, type Schema } from './schema/schema.ts';
import { decimalPlacesOf } from './schema/standard-objects.ts';
import type { RecordValues } from './schema/types.ts';
import { SoqlEngine } from './soql/engine.ts';
import { Store } from './store/store.ts';
import type { CallKind } from './http/types.ts';
import { formatDatetime } from './store/values.ts';
import { ChangeDataCapture } from './streaming/change-events.ts';
import { EventBus } from './streaming/event-bus.ts';

export interface QueryLocator {
  records: Record<string, unknown>[];
  totalSize: number;
  position: number;
  batchSize: number;
  createdAt: number;
}

export interface Counters {
  apiCalls: Record<CallKind, number>;
  recordsWritten: number;
  eventsDelivered: number;
  eventsPublished: number;
}

const LOCATOR_TTL_MS = 15 * 60_000;
const MAX_LOCATORS = 500;

export class Org {
  readonly options: ResolvedOptions;
  readonly schema: Schema;
  readonly store: Store;
  readonly soql: SoqlEngine;
  readonly auth: AuthService;
  readonly orgId: string;
  readonly bus: EventBus;
  readonly cdc: ChangeDataCapture;
  adminUserId = '';
  apiUsed = 0;
  apiMax: number;
  bulkQueryJobsUsed = 0;
  /** When set, every request acts as this user whatever its session says. */
  actingUserId: string | null = null;
  #locators = new Map<string, QueryLocator>();
  #locatorIds = new IdGenerator();
  #counters: Counters = Org.emptyCounters();

  private constructor(options: ResolvedOptions, schema: Schema) {
    this.options = options;
    this.schema = schema;
    this.store = new Store(schema, { now: options.now });
    this.soql = new SoqlEngine(this.store);
    this.orgId = toId18(`00D${IdGenerator.POD}${toBase62(options.orgNumber, 10)}`);
    this.apiMax = options.dailyApiRequests;
    this.auth = new AuthService(
      this.orgId,
      {
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        ...(options.jwtCertificate === undefined ? {} : { certificate: options.jwtCertificate }),
        callbackUrls: options.callbackUrls,
      },
      options.sessionTtlSeconds * 1000,
      options.now,
    );
    this.bus = new EventBus(options.eventRetentionHours * 3_600_000, options.eventRetentionCount, options.now);
    this.cdc = new ChangeDataCapture(this.bus, options.cdcObjects);
    this.store.onChange((changes) => this.countEvents(0, this.cdc.handle(changes)));
  }

  static async create(options: ResolvedOptions): Promise<Org> {
    const dirs = (await Promise.all(options.sfdxProjects.map((p) => sfdxObjectDirs(p)))).flat();
    const org = new Org(options, await buildSchema(dirs, { currencies: options.currencies }));
    org.bootstrap();
    return org;
  }

  /** The corporate currency: the org's only one, or the first of a multi-currency org's. */
  get corporateCurrency(): string {
    return this.options.currencies[0] ?? 'USD';
  }

  get multiCurrency(): boolean {
    return this.options.currencies.length > 1;
  }

  static emptyCounters(): Counters {
    return {
      apiCalls: { auth: 0, rest: 0, query: 0, composite: 0, bulk: 0, streaming: 0, describe: 0, limits: 0 },
      recordsWritten: 0,
      eventsDelivered: 0,
      eventsPublished: 0,
    };
  }

  get counters(): Counters {
    return { ...this.#counters, apiCalls: { ...this.#counters.apiCalls }, recordsWritten: this.store.recordsWritten };
  }

  countCall(kind: CallKind): void {
    this.#counters.apiCalls[kind] += 1;
  }

  countEvents(delivered: number, published: number): void {
    this.#counters.eventsDelivered += delivered;
    this.#counters.eventsPublished += published;
  }

  resetCounters(): void {
    this.#counters = Org.emptyCounters();
    this.store.recordsWritten = 0;
  }

  /**
   * Creates the Organization row, the users and the standard price book of a fresh org. After a
   * reset, users keep their ids (`existing`) so that sessions issued before it stay valid.
   */
  bootstrap(existing: Map<string, string> = new Map()): void {
    const stamp = formatDatetime(this.store.now());
    const adminId = existing.get(this.options.username.toLowerCase()) ?? this.store.ids.next('005');
    this.adminUserId = adminId;
    const system = (id: string) => ({ Id: id, IsDeleted: false, CreatedDate: stamp, CreatedById: adminId, LastModifiedDate: stamp, LastModifiedById: adminId, SystemModstamp: stamp });
    this.store.restore(
      'Organization',
      this.#withCurrency('Organization', { ...system(this.orgId), Name: 'Ferry Emulator', OrganizationType: 'Developer Edition', InstanceName: 'EMU1', IsSandbox: false, NamespacePrefix: null, TrialExpirationDate: null, LanguageLocaleKey: 'en_US', TimeZoneSidKey: 'GMT', DefaultLocaleSidKey: 'en_US', Country: 'US' }),
      null,
    );
    if (this.multiCurrency) {
      this.options.currencies.forEach((isoCode, i) => {
        this.store.restore('CurrencyType', { ...system(this.store.ids.next('02B')), IsoCode: isoCode, ConversionRate: 1, DecimalPlaces: decimalPlacesOf(isoCode), IsActive: true, IsCorporate: i === 0 }, null);
      });
    }
    const all: EmulatorUser[] = [
      { username: this.options.username, password: this.options.password, securityToken: this.options.securityToken, firstName: 'Ferry', lastName: 'Admin' },
      ...this.options.users,
      ...this.#extraUsers,
    ];
    all.forEach((u, i) => {
      const id = i === 0 ? adminId : (existing.get(u.username.toLowerCase()) ?? this.store.ids.next('005'));
      this.#addUser(id, u, adminId, stamp);
    });
    this.store.restore('Pricebook2', this.#withCurrency('Pricebook2', { ...system(this.store.ids.next('01s')), Name: 'Standard Price Book', IsActive: true, IsStandard: true, Description: null }), null);
    this.store.finishRestore();
  }

  #extraUsers: EmulatorUser[] = [];

  /** A fresh-org row with the currency fields its object has (CurrencyIsoCode, DefaultCurrencyIsoCode), set to the corporate currency. */
  #withCurrency(objectName: string, values: RecordValues): RecordValues {
    const fields = this.schema.get(objectName)?.fieldMap;
    if (fields === undefined) return values;
    const currency: RecordValues = {};
    if (fields.has('currencyisocode')) currency['CurrencyIsoCode'] = this.corporateCurrency;
    if (fields.has('defaultcurrencyisocode')) currency['DefaultCurrencyIsoCode'] = this.corporateCurrency;
    return { ...values, ...currency };
  }

  #addUser(id: string, u: EmulatorUser, adminId: string, stamp: string): void {
    const name = [u.firstName, u.lastName].filter((s) => s !== undefined && s !== '').join(' ');
    this.store.restore(
      'User',
      this.#withCurrency('User', {
        Id: id,
        IsDeleted: false,
        CreatedDate: stamp,
        CreatedById: adminId,
        LastModifiedDate: stamp,
        LastModifiedById: adminId,
        SystemModstamp: stamp,
        Username: u.username,
        FirstName: u.firstName ?? null,
        LastName: u.lastName,
        Name: name,
        Email: u.email ?? u.username,
        Alias: (u.firstName?.[0] ?? '') + u.lastName.slice(0, 7),
        CommunityNickname: u.username.split('@')[0] ?? u.username,
        Title: null,
        CompanyName: 'Ferry',
        IsActive: true,
        UserType: 'Standard',
        TimeZoneSidKey: 'GMT',
        LocaleSidKey: 'en_US',
        LanguageLocaleKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
      }),
      null,
    );
    this.auth.addUser({ userId: id, username: u.username, password: u.password, securityToken: u.securityToken ?? '' });
  }

  /** Adds a user at run time (test control); returns its id. */
  addUser(u: EmulatorUser): string {
    const existing = this.auth.userByName(u.username);
    if (existing !== undefined) return existing.userId;
    const id = this.store.ids.next('005');
    this.#extraUsers.push(u);
    this.#addUser(id, u, this.adminUserId, formatDatetime(this.store.stamp()));
    this.store.finishRestore();
    return id;
  }

  /** Empties the data and recreates the fresh-org rows; sessions survive so clients keep working. */
  reset(): void {
    const ids = new Map(this.auth.users().map((u) => [u.username.toLowerCase(), u.userId]));
    this.store.clear();
    this.#locators.clear();
    this.actingUserId = null;
    this.apiUsed = 0;
    this.bulkQueryJobsUsed = 0;
    this.resetCounters();
    this.bootstrap(ids);
  }

  /** The user a request acts as: the act-as override, else the session's user. */
  effectiveUser(sessionUserId: string): string {
    return this.actingUserId ?? sessionUserId;
  }

  saveLocator(records: Record<string, unknown>[], totalSize: number, batchSize: number): string {
    const now = this.store.now();
    for (const [id, loc] of this.#locators) {
      if (now - loc.createdAt > LOCATOR_TTL_MS || this.#locators.size > MAX_LOCATORS) this.#locators.delete(id);
      else break;
    }
    const id = this.#locatorIds.next('01g');
    this.#locators.set(id, { records, totalSize, position: batchSize, batchSize, createdAt: now });
    return id;
  }

  locator(id: string): QueryLocator | undefined {
    return this.#locators.get(id);
  }

  dropLocator(id: string): void {
    this.#locators.delete(id);
  }
}
