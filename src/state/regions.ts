/**
 * Azure region names, to refuse a typo before any call. Whether a region offers Container Apps
 * is asked of ARM during the preflight; this list only knows which names exist.
 */
import { UsageError } from '../errors.ts';

export const REGIONS = [
  'australiacentral', 'australiacentral2', 'australiaeast', 'australiasoutheast', 'austriaeast', 'belgiumcentral', 'brazilsouth', 'brazilsoutheast',
  'canadacentral', 'canadaeast', 'centralindia', 'centralus', 'chilecentral', 'denmarkeast', 'eastasia', 'eastus', 'eastus2', 'francecentral', 'francesouth',
  'germanynorth', 'germanywestcentral', 'indonesiacentral', 'israelcentral', 'italynorth', 'japaneast', 'japanwest', 'jioindiacentral', 'jioindiawest',
  'koreacentral', 'koreasouth', 'malaysiawest', 'mexicocentral', 'newzealandnorth', 'northcentralus', 'northeurope', 'norwayeast', 'norwaywest',
  'polandcentral', 'qatarcentral', 'southafricanorth', 'southafricawest', 'southcentralus', 'southeastasia', 'southindia', 'spaincentral',
  'swedencentral', 'swedensouth', 'switzerlandnorth', 'switzerlandwest', 'uaecentral', 'uaenorth', 'uksouth', 'ukwest', 'westcentralus', 'westeurope',
  'westindia', 'westus', 'westus2', 'westus3',
  'usgovarizona', 'usgovtexas', 'usgovvirginia', 'chinaeast2', 'chinaeast3', 'chinanorth2', 'chinanorth3',
] as const;

export function validateRegion(value: string | undefined): string {
  const region = (value ?? '').toLowerCase().replace(/\s+/g, '');
  if (!(REGIONS as readonly string[]).includes(region)) {
    const close = REGIONS.filter((r) => region && (r.startsWith(region.slice(0, 4)) || r.includes(region))).slice(0, 5);
    throw new UsageError(`--location "${value ?? ''}" is not an Azure region`, {
      suggestion: close.length ? `Did you mean ${close.join(', ')}?` : 'Use a region name such as eastus, westeurope or swedencentral.',
    });
  }
  return region;
}
