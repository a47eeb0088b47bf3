/**
 * Escrow deliveries (V1 `GET|POST|PUT /escrows/logis/{imp_uid}`): registered with the PG through
 * the channel's connector, recorded once per payment, changed with PUT.
 */
import { ConnectorFault, type EscrowDeliveryInput, type EscrowDeliveryResult } from '../connectors/contract';
import { executeFlow } from '../connectors/executor';
import { courierCode } from '../domain/couriers';
import { AppError, invalidParameter } from '../domain/errors';
import type { DeliveryParty, DeliveryProduct, EscrowDelivery } from '../domain/escrow';
import type { Payment } from '../domain/payment';
import type { ChannelService, ResolvedChannel } from './channels';
import type { ServiceDeps } from './deps';

/** The body of POST/PUT as the route read it. */
export interface DeliveryCommand {
  sender: DeliveryParty;
  receiver: DeliveryParty;
  company: string;
  invoice: string;
  /** UNIX seconds. */
  sentAt: number;
  receivingAt: string | null;
  address: string | null;
  products: DeliveryProduct[] | null;
}

export class EscrowService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly channels: ChannelService,
  ) {}

  /**
   * The registered delivery of a payment.
   * @throws AppError PAYMENT_NOT_FOUND, ESCROW_NOT_REGISTERED (V1: 409 "등록된 배송정보가 존재하지 않습니다.")
   */
  async get(storeId: number, impUid: string): Promise<EscrowDelivery> {
    const payment = await this.payment(storeId, impUid);
    const found = await this.deps.store.escrowDeliveries.find(storeId, payment.id);
    if (!found) throw new AppError('ESCROW_NOT_REGISTERED');
    return found;
  }

  /**
   * Registers (`register`, POST: once) or changes (`modify`, PUT) a payment's delivery with the PG,
   * then records it. Only a paid escrow payment has a delivery.
   * @throws AppError PAYMENT_NOT_FOUND, ESCROW_NOT_ALLOWED, ESCROW_ALREADY_REGISTERED,
   *   ESCROW_NOT_REGISTERED, INVALID_PARAMETER, PG_FEATURE_NOT_SUPPORTED, ESCROW_REFUSED, PG_FAULT
   */
  async save(storeId: number, impUid: string, mode: 'register' | 'modify', command: DeliveryCommand): Promise<EscrowDelivery> {
    const payment = await this.payment(storeId, impUid);
    if (!payment.escrow) throw new AppError('ESCROW_NOT_ALLOWED', { message: '에스크로 결제건이 아니어서 배송정보를 등록할 수 없습니다.' });
    if (payment.status !== 'paid' || payment.pgTid === null) {
      throw new AppError('ESCROW_NOT_ALLOWED', { message: `결제완료(paid) 상태의 에스크로 결제건만 배송정보를 등록할 수 있습니다 (현재 상태: ${payment.status})` });
    }
    const existing = await this.deps.store.escrowDeliveries.find(storeId, payment.id);
    if (mode === 'register' && existing) throw new AppError('ESCROW_ALREADY_REGISTERED');
    if (mode === 'modify' && !existing) {
      throw new AppError('ESCROW_NOT_REGISTERED', { message: '등록된 배송정보가 존재하지 않아 수정할 수 없습니다. POST /escrows/logis/{imp_uid}로 먼저 등록해 주세요.' });
    }

    const resolved = await this.channels.openById(storeId, payment.channelId);
    const flow = resolved.connector.flows.registerEscrowDelivery;
    if (!flow) throw new AppError('PG_FEATURE_NOT_SUPPORTED', { message: `${payment.pgProvider}: 에스크로 배송정보 등록을 지원하지 않는 PG사입니다` });
    const input: EscrowDeliveryInput = {
      pgTid: payment.pgTid,
      mode,
      sender: command.sender,
      receiver: command.receiver,
      company: courierCode(command.company),
      invoice: command.invoice,
      sentAt: new Date(command.sentAt * 1000),
    };
    const violations = flow.validate(resolved.credentials, input);
    if (violations.length > 0) throw invalidParameter(violations);

    let result = await this.call(resolved, input);
    // The PG has a delivery gyeol has no record of (an earlier answer was lost): change it instead.
    if (result.outcome === 'conflict' && mode === 'register') result = await this.call(resolved, { ...input, mode: 'modify' });
    if (result.outcome !== 'accepted') {
      if (result.outcome === 'conflict') throw new AppError(mode === 'register' ? 'ESCROW_ALREADY_REGISTERED' : 'ESCROW_NOT_REGISTERED');
      throw new AppError('ESCROW_REFUSED', { message: `PG사가 배송정보 ${mode === 'register' ? '등록' : '수정'}을 거절했습니다: ${result.message} (${result.code})` });
    }

    const now = this.deps.clock.now();
    const delivery: EscrowDelivery = {
      storeId,
      paymentId: payment.id,
      company: input.company,
      invoice: input.invoice,
      sentAt: input.sentAt,
      receivingAt: command.receivingAt,
      address: command.address,
      sender: command.sender,
      receiver: command.receiver,
      products: command.products,
      appliedAt: result.appliedAt,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    const saved = mode === 'register' ? await this.deps.store.escrowDeliveries.insert(delivery) : await this.deps.store.escrowDeliveries.update(delivery);
    // A concurrent registration of the same payment recorded first: it stands, this one is the second.
    if (!saved) throw new AppError(mode === 'register' ? 'ESCROW_ALREADY_REGISTERED' : 'ESCROW_NOT_REGISTERED');
    this.deps.logger.info({ impUid, mode, company: saved.company }, 'escrow delivery saved');
    return saved;
  }

  private async call(resolved: ResolvedChannel, input: EscrowDeliveryInput): Promise<EscrowDeliveryResult> {
    const flow = resolved.connector.flows.registerEscrowDelivery!;
    try {
      return await executeFlow(this.deps.connectorContext, flow, resolved.credentials, input);
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.error({ pgTid: input.pgTid, fault: err.kind, err: err.message }, 'PG escrow delivery fault');
      // Nothing is recorded: a retry of the same POST re-sends it (a registration the PG kept is then changed).
      throw new AppError(err.kind === 'timeout' ? 'PG_TIMEOUT' : 'PG_FAULT', { message: `PG사의 배송정보 처리 응답을 확인하지 못했습니다 (${err.kind}). 같은 요청을 다시 보내 주세요.` });
    }
  }

  private async payment(storeId: number, impUid: string): Promise<Payment> {
    const payment = await this.deps.store.payments.findByImpUid(storeId, impUid);
    if (!payment) throw new AppError('PAYMENT_NOT_FOUND');
    return payment;
  }
}
