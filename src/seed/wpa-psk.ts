/**
 * The WPA PSK derived on the laptop (IEEE 802.11i: PBKDF2-HMAC-SHA1(passphrase, SSID, 4096, 32)),
 * so the Wi-Fi passphrase itself never reaches the card. A 64-hex-digit value is already a PSK.
 */
import { pbkdf2Sync } from 'node:crypto';

export function wpaPsk(passphrase: string, ssid: string): string {
  if (/^[0-9a-fA-F]{64}$/.test(passphrase)) return passphrase.toLowerCase();
  return pbkdf2Sync(
    Buffer.from(passphrase, 'utf8'),
    Buffer.from(ssid, 'utf8'),
    4096,
    32,
    'sha1',
  ).toString('hex');
}
