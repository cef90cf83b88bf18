import { BlockList, isIP } from 'node:net';

/** Loopback, link-local, unspecified and cloud metadata addresses: never reached through a name. */
const SENSITIVE = new BlockList();
SENSITIVE.addSubnet('127.0.0.0', 8, 'ipv4');
SENSITIVE.addSubnet('169.254.0.0', 16, 'ipv4');
SENSITIVE.addSubnet('0.0.0.0', 8, 'ipv4');
SENSITIVE.addAddress('100.100.100.200', 'ipv4');
SENSITIVE.addAddress('::1', 'ipv6');
SENSITIVE.addAddress('::', 'ipv6');
SENSITIVE.addSubnet('fe80::', 10, 'ipv6');
SENSITIVE.addAddress('fd00:ec2::254', 'ipv6');
SENSITIVE.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');
SENSITIVE.addSubnet('::ffff:169.254.0.0', 112, 'ipv6');

/** True for addresses a name must not resolve to unless that address itself is listed. */
export function isSensitiveAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return SENSITIVE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
