/** Smartro (`smartro_v2`): the connector, its wire format and its crypto. */
export { SmartroConnector, buildPaymentWindow, buildTranMgrFields, parseWindowReturn, type SmartroCredentials } from './client';
export { validatePaymentRequest } from './rules';
export {
  SMARTRO_RESULT_CODES,
  cardApprovalOutcome,
  knownResultCode,
  toApprovalResult,
  type CardApprovalOutcome,
  type SmartroResultMeaning,
} from './transformers';
export { encryptData, signValue, verifySignValue, hashData, encryptEnvelope, decryptEnvelope, aesEncrypt, aesDecrypt } from './crypto';
export {
  SMARTRO_CARD_COMPANIES,
  cardCompanyByKftcCode,
  cardCompanyBySmartroCode,
  ediDate,
  authDate,
  parseAuthDate,
  type SmartroCardCompany,
  type SmartroApprovalResponse,
  type TranMgrFields,
} from './wire';
