import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../testing/index.js';
import { MAX_DNS_SEARCH_PATHS, parseResolvConf, podDnsConfig, renderResolvConf, type PodDnsOptions } from './index.js';

checkLeaksAfterAll();

const host = parseResolvConf('# host\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch corp.example. lab.example\noptions timeout:2 attempts:3\n');
const options: PodDnsOptions = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: host };
const pod = (spec: Pod['spec'] = { containers: [] }): Pod => ({ metadata: { name: 'p', namespace: 'team-a', uid: 'u1' }, spec });

describe('podDnsConfig', () => {
  it('parses resolv.conf like kubelet: nameservers accumulate, the last search and options win, trailing dots go', () => {
    assert.deepEqual(host, { nameservers: ['10.0.0.2', '10.0.0.3'], searches: ['corp.example', 'lab.example'], options: ['timeout:2', 'attempts:3'] });
    assert.deepEqual(parseResolvConf('search a\nsearch b c\n').searches, ['b', 'c']);
  });

  it('ClusterFirst: the cluster DNS only, the namespace search path before the host ones, ndots:5', () => {
    const config = podDnsConfig(pod(), options);
    assert.deepEqual(config.nameservers, ['10.96.0.10']);
    assert.deepEqual(config.searches, ['team-a.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example']);
    assert.deepEqual(config.options, ['ndots:5']);
    assert.deepEqual(config.warnings, []);
    assert.equal(
      renderResolvConf(config),
      'search team-a.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
    // The default policy is ClusterFirst.
    assert.deepEqual(podDnsConfig(pod({ containers: [], dnsPolicy: 'ClusterFirst' }), options), config);
  });

  it('ClusterFirst on the host network falls back to Default; ClusterFirstWithHostNet does not', () => {
    const hostNet = podDnsConfig(pod({ containers: [], hostNetwork: true }), options);
    assert.deepEqual([hostNet.nameservers, hostNet.searches, hostNet.options], [host.nameservers, host.searches, host.options]);
    const withHostNet = podDnsConfig(pod({ containers: [], hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), options);
    assert.deepEqual(withHostNet.nameservers, ['10.96.0.10']);
    assert.equal(withHostNet.searches[0], 'team-a.svc.cluster.local');
  });

  it('Default uses the host resolver; without one (--resolv-conf="") the local nameserver and search "."', () => {
    const config = podDnsConfig(pod({ containers: [], dnsPolicy: 'Default' }), options);
    assert.deepEqual([config.nameservers, config.searches, config.options], [host.nameservers, host.searches, host.options]);
    const none = podDnsConfig(pod({ containers: [], dnsPolicy: 'Default' }), { ...options, hostResolvConf: undefined });
    assert.deepEqual([none.nameservers, none.searches], [['127.0.0.1'], ['.']]);
  });

  it('ClusterFirst without a cluster DNS falls back to Default with a MissingClusterDNS warning', () => {
    const config = podDnsConfig(pod(), { ...options, clusterDNS: [] });
    assert.deepEqual(config.nameservers, host.nameservers);
    assert.equal(config.warnings[0]?.reason, 'MissingClusterDNS');
    assert.match(config.warnings[0]!.message, /kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy\. Falling back to "Default" policy\./);
  });

  it('None takes only the pod dnsConfig; dnsConfig merges into the others, options overriding by name', () => {
    const none = podDnsConfig(
      pod({ containers: [], dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }),
      options,
    );
    assert.deepEqual([none.nameservers, none.searches, none.options], [['1.1.1.1'], ['my.dns.search.suffix'], ['ndots:2', 'edns0']]);
    const merged = podDnsConfig(
      pod({ containers: [], dnsConfig: { nameservers: ['10.96.0.10', '1.1.1.1'], searches: ['cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request-reopen' }] } }),
      options,
    );
    assert.deepEqual(merged.nameservers, ['10.96.0.10', '1.1.1.1']);
    assert.deepEqual(merged.searches, ['team-a.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example', 'extra.example']);
    assert.deepEqual(merged.options, ['ndots:1', 'single-request-reopen']);
  });

  it('cuts nameservers to 3 and searches to 32 paths / 2048 characters, dropping paths over 253, with warnings', () => {
    const many = podDnsConfig(pod({ containers: [], dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'] } }), options);
    assert.deepEqual(many.nameservers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
    assert.deepEqual(many.warnings.map((w) => w.message), ['Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3']);

    const searches = Array.from({ length: 40 }, (_, i) => `s${i}.example`);
    const long = podDnsConfig(pod({ containers: [], dnsPolicy: 'None', dnsConfig: { searches: ['x'.repeat(254), ...searches] } }), options);
    assert.equal(long.searches.length, MAX_DNS_SEARCH_PATHS - 1);
    assert.equal(long.searches[0], 's0.example');
    assert.equal(long.warnings[0]?.reason, 'DNSConfigForming');
    assert.match(long.warnings[0]!.message, /^Search Line limits were exceeded, some search paths have been omitted, the applied search line is: s0\.example s1\.example/);

    const wide = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'y'.repeat(150)}.example`);
    const cut = podDnsConfig(pod({ containers: [], dnsPolicy: 'None', dnsConfig: { searches: wide } }), options);
    assert.ok(cut.searches.join(' ').length <= 2048);
    assert.equal(cut.searches.length, 12);
  });
});
