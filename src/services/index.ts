import { AuthService } from './auth';
import { CheckoutService } from './checkout';
import type { ServiceDeps } from './deps';
import { PaymentQueryService } from './payments';
import { ProvisioningService } from './provisioning';

export interface Services {
  auth: AuthService;
  payments: PaymentQueryService;
  checkout: CheckoutService;
  provisioning: ProvisioningService;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    auth: new AuthService(deps),
    payments: new PaymentQueryService(deps),
    checkout: new CheckoutService(deps),
    provisioning: new ProvisioningService(deps),
  };
}

export type { ServiceDeps } from './deps';
