import type { Kysely } from 'kysely';
import { KyselyAccessTokenRepository } from './access-tokens';
import { KyselyBillingCustomerRepository } from './billing-customers';
import { KyselyCancellationRepository } from './cancellations';
import { KyselyChannelRepository } from './channels';
import { KyselyEscrowDeliveryRepository } from './escrow-deliveries';
import { KyselyCheckoutSessionRepository } from './checkout-sessions';
import { KyselyPaymentPrepareRepository } from './payment-prepares';
import { KyselyPaymentRepository } from './payments';
import { KyselyReceiptRepository } from './receipts';
import { KyselyScheduleRepository } from './schedules';
import type { Database } from './schema';
import { KyselyStoreRepository } from './stores';
import { KyselyStrayApprovalRepository } from './stray-approvals';
import { KyselyWebhookRepository, KyselyWebhookSettingsRepository } from './webhooks';
import type { StoreDialect } from './dialect';
import { SILENT_OUTBOX, type OutboxNotifier } from './outbox';
import type { PaymentRowCache } from './payment-row-cache';
import type { Repositories } from './types';

/**
 * A read outside any transaction that skips the query builder (SQLite's read-only connection);
 * null when it cannot (the caller then runs the same SQL through Kysely).
 */
export type DirectRead = (sql: string, parameters: readonly unknown[]) => unknown[] | null;

/**
 * All repositories over one Kysely instance or one transaction (`inTransaction` = true); those that
 * write payment events tell `outbox` (src/store/outbox.ts).
 */
export function createRepositories(
  db: Kysely<Database>,
  inTransaction: boolean,
  dialect: StoreDialect,
  outbox: OutboxNotifier = SILENT_OUTBOX,
  directRead?: DirectRead,
  /** Payments kept by version (outside transactions only: see PaymentRowCache). */
  rowCache?: PaymentRowCache,
): Repositories {
  return {
    stores: new KyselyStoreRepository(db),
    channels: new KyselyChannelRepository(db, dialect),
    payments: new KyselyPaymentRepository(db, inTransaction, dialect, outbox, directRead, inTransaction ? undefined : rowCache),
    checkoutSessions: new KyselyCheckoutSessionRepository(db, dialect),
    accessTokens: new KyselyAccessTokenRepository(db),
    strayApprovals: new KyselyStrayApprovalRepository(db),
    webhookSettings: new KyselyWebhookSettingsRepository(db, dialect),
    webhooks: new KyselyWebhookRepository(db, dialect),
    paymentPrepares: new KyselyPaymentPrepareRepository(db),
    cancellations: new KyselyCancellationRepository(db, inTransaction, outbox),
    receipts: new KyselyReceiptRepository(db),
    escrowDeliveries: new KyselyEscrowDeliveryRepository(db),
    billingCustomers: new KyselyBillingCustomerRepository(db, dialect),
    schedules: new KyselyScheduleRepository(db, dialect),
  };
}
