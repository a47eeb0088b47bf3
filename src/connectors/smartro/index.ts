/** Smartro (`smartro_v2`): the connector, its wire format and its crypto. */
export { smartroConnector } from './connector';
export { billingSettingsProblem, readSmartroCredentials, type SmartroCredentials, type SmartroSettings, type SmartroSecrets } from './credentials';
export {
  billingPayFields,
  buildBillingWindowFields,
  chargeBillingFlow,
  readBillingIssueCallback,
  readBillingWindowReturn,
  smartroBillingWindow,
  validateBillingCharge,
  validateBillingIssue,
  type BillingIssueRead,
} from './billing';
export { approveFlow, cancelFlow, cancelFields, inquireFlow } from './flows';
export { cancelReceiptFlow, issueReceiptFlow, validateReceiptRequest } from './receipts';
export { buildTranMgrFields, openSmartroWindow, readSmartroWindowReturn, taxSplit, type SmartroBillingLaunchData, type SmartroLaunchData } from './window';
export { smartroOrderId, validatePaymentRequest } from './rules';
export {
  SMARTRO_RESULT_CODES,
  approvalOutcome,
  bankDetailsFrom,
  cancelOutcome,
  toCancelResult,
  knownResultCode,
  toApprovalResult,
  type ApprovalOutcome,
  type SmartroResultMeaning,
} from './transformers';
export { encryptData, signValue, verifySignValue, hashData, encryptEnvelope, decryptEnvelope, aesEncrypt, aesDecrypt } from './crypto';
export {
  SMARTRO_BANKS,
  SMARTRO_CARD_COMPANIES,
  SMARTRO_PAY_METHODS,
  bankByCode,
  cardCompanyByKftcCode,
  cardCompanyBySmartroCode,
  ediDate,
  authDate,
  parseAuthDate,
  receiptUrl,
  type SmartroBank,
  type SmartroCardCompany,
  type SmartroApprovalResponse,
  type TranMgrFields,
} from './wire';
