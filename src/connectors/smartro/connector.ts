import type { PgConnector } from '../contract';
import { chargeBillingFlow, smartroBillingWindow } from './billing';
import { readSmartroCredentials, SmartroSecretsSchema, SmartroSettingsSchema, type SmartroCredentials } from './credentials';
import { approveFlow, cancelFlow, inquireFlow } from './flows';
import { readSmartroNotification } from './notifications';
import { cancelReceiptFlow, issueReceiptFlow, validateReceiptRequest } from './receipts';
import { issueVirtualAccountFlow, lookupAccountHolderFlow, registerEscrowDeliveryFlow } from './server-calls';
import { IMPLEMENTED_PAY_METHODS, smartroOrderId, validatePaymentRequest } from './rules';
import { openSmartroWindow, readSmartroWindowReturn } from './window';

/**
 * Smartro's new module (`smartro_v2`) as a {@link PgConnector}. Stateless: one value serves every
 * channel and every request.
 * @example
 * const read = smartroConnector.readCredentials({ pgId: 'gyeolsim01', testMode: true, settings, secrets });
 * if (read.ok) executeFlow(ctx, smartroConnector.flows.approve, read.credentials, { pgTid, auth, payMethod: 'card' });
 */
export const smartroConnector: PgConnector<SmartroCredentials> = {
  id: 'smartro_v2',
  // Card, bank transfer, virtual account (through the window), phone and the five easy pays.
  capabilities: { methods: IMPLEMENTED_PAY_METHODS, escrow: true, partialCancel: true, billing: true, notifications: true },
  credentialsSchema: { settings: SmartroSettingsSchema, secrets: SmartroSecretsSchema },
  readCredentials: readSmartroCredentials,
  validatePayment: validatePaymentRequest,
  pgOrderId: smartroOrderId,
  openWindow: openSmartroWindow,
  readWindowReturn: readSmartroWindowReturn,
  flows: {
    approve: approveFlow,
    inquire: inquireFlow,
    cancel: cancelFlow,
    issueReceipt: issueReceiptFlow,
    cancelReceipt: cancelReceiptFlow,
    issueVirtualAccount: issueVirtualAccountFlow,
    lookupAccountHolder: lookupAccountHolderFlow,
    registerEscrowDelivery: registerEscrowDeliveryFlow,
    // Keys are issued through Smartro's billing window (no API issue: PortOne's Smartro guide).
    issueBillingKey: smartroBillingWindow,
    chargeBillingKey: chargeBillingFlow,
  },
  validateReceipt: validateReceiptRequest,
  readNotification: readSmartroNotification,
};
