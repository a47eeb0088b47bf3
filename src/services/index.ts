import { ApprovalService } from './approvals';
import type { BillingCharger } from './billing-charges';
import { AuthService } from './auth';
import { BillingService } from './billing';
import { BillingChargeService } from './billing-charges';
import { CancelService } from './cancels';
import { ChannelService } from './channels';
import { CheckoutService } from './checkout';
import type { ServiceDeps } from './deps';
import { EscrowService } from './escrows';
import { PaymentQueryService } from './payments';
import { PaymentPrepareService } from './prepares';
import { ProvisioningService } from './provisioning';
import { ReceiptService } from './receipts';
import { defaultScheduleSettings, ScheduleService } from './schedules';
import { VbankService } from './vbanks';
import { WebhookService } from './webhooks';

export interface Services {
  auth: AuthService;
  payments: PaymentQueryService;
  prepares: PaymentPrepareService;
  channels: ChannelService;
  approvals: ApprovalService;
  cancels: CancelService;
  billing: BillingService;
  /** Charges of stored billing keys (`/subscribe/payments/again`; the scheduler's runs). */
  billingCharges: BillingChargeService;
  checkout: CheckoutService;
  provisioning: ProvisioningService;
  webhooks: WebhookService;
  receipts: ReceiptService;
  vbanks: VbankService;
  escrows: EscrowService;
  schedules: ScheduleService;
}

/**
 * @param parts.billingCharger what charges billing keys for the scheduler: the BillingChargeService
 *   unless given (route tests give a stand-in)
 */
export function createServices(deps: ServiceDeps, parts: { billingCharger?: BillingCharger } = {}): Services {
  const channels = new ChannelService(deps);
  const cancels = new CancelService(deps, channels);
  const approvals = new ApprovalService(deps, channels, cancels);
  const prepares = new PaymentPrepareService(deps);
  const billingCharges = new BillingChargeService(deps, channels, approvals);
  return {
    auth: new AuthService(deps),
    payments: new PaymentQueryService(deps),
    prepares,
    channels,
    approvals,
    cancels,
    billing: new BillingService(deps),
    billingCharges,
    checkout: new CheckoutService(deps, channels, approvals, prepares),
    provisioning: new ProvisioningService(deps),
    webhooks: new WebhookService(deps),
    receipts: new ReceiptService(deps, channels),
    vbanks: new VbankService(deps, channels, approvals),
    escrows: new EscrowService(deps, channels),
    schedules: new ScheduleService(deps, parts.billingCharger ?? billingCharges, deps.schedules ?? defaultScheduleSettings(deps.connectorContext.timeoutMs), cancels),
  };
}

export type { ServiceDeps } from './deps';
