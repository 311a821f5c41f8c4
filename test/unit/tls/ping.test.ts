import { describe, expect, test } from 'vitest';
import { explainPingError } from '../../../src/tls/ping.js';

describe('explainPingError', () => {
  test.each([
    [{ code: 'ECONNREFUSED' }, 'pi.local', 'refused', /not listening/],
    [{ code: 'ARMADA_TIMEOUT' }, 'pi.local', 'timeout', /within 5 s/],
    [{ code: 'ENOTFOUND' }, 'pi.local', 'dns', /mDNS/],
    [{ code: 'EHOSTUNREACH' }, '10.0.0.9', 'unreachable', /unreachable/],
    [
      {
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        message: "Hostname/IP does not match certificate's altnames",
      },
      '192.168.1.9',
      'tls',
      /not valid for '192\.168\.1\.9'.*<hostname>\.local/,
    ],
    [
      {
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        message: 'unable to verify the first certificate',
      },
      'pi.local',
      'tls',
      /not signed by the CA/,
    ],
    [
      { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', message: 'tlsv1 alert unknown ca' },
      'pi.local',
      'tls',
      /rejected this laptop's client certificate/,
    ],
    [
      {
        code: 'EPROTO',
        message:
          'write EPROTO 808CC9026D7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:',
      },
      'pi.local',
      'tls',
      /^TLS failure talking to pi\.local:2376: the port does not speak TLS \(a plain HTTP or Docker port 2375\?\); armada's Docker TLS port is 2376$/,
    ],
    [
      {
        code: 'EPROTO',
        message:
          'write EPROTO 1:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:x.c:1:',
      },
      'pi.local',
      'tls',
      /^TLS failure talking to pi\.local:2376: EPROTO: sslv3 alert handshake failure$/,
    ],
    [
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'altnames' },
      '10.0.0.7',
      'tls',
      /--san 10\.0\.0\.7/,
    ],
    [{ code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }, 'pi.local', 'tls', /clocks/],
    [
      { code: 'ECONNRESET', message: 'socket hang up' },
      'pi.local',
      'tls',
      /does not trust this laptop/,
    ],
  ] as const)('%j', (error, host, reason, message) => {
    const r = explainPingError(error, host, 2376, 5000);
    expect(r).toMatchObject({ ready: false, reason });
    if (!r.ready) expect(r.message).toMatch(message);
  });
});
