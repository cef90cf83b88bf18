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

/** Whether an IP address is in `list`; a name (not an address) is in none. */
function listed(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** True for addresses a name must not resolve to unless that address itself is listed. */
export function isSensitiveAddress(address: string): boolean {
  return listed(SENSITIVE, address);
}

/** Private networks (RFC 1918, unique-local IPv6, carrier-grade NAT): an intranet, not the internet. */
const PRIVATE = new BlockList();
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('::ffff:10.0.0.0', 104, 'ipv6');
PRIVATE.addSubnet('::ffff:172.16.0.0', 108, 'ipv6');
PRIVATE.addSubnet('::ffff:192.168.0.0', 112, 'ipv6');

/** True for private-network addresses (see PRIVATE). */
export function isPrivateAddress(address: string): boolean {
  return listed(PRIVATE, address);
}

/** True for loopback addresses (127/8, ::1, and IPv4-mapped loopback). */
export function isLoopbackAddress(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}
