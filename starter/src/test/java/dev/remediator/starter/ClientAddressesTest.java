package dev.remediator.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remediator.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who a request counts against: the peer, or behind a trusted proxy the client it forwards for. */
class ClientAddressesTest {
  final ClientAddresses behindIngress = ClientAddresses.of(List.of("10.0.0.0/8", "192.168.1.10", "fd00::/8"));

  @Test
  void withoutTrustedProxiesThePeerIsTheClientWhateverTheHeaderSays() {
    ClientAddresses none = ClientAddresses.of(List.of());

    assertThat(none.client("10.1.2.3", "198.51.100.7")).isEqualTo("10.1.2.3");
  }

  @Test
  void aTrustedProxyCountsAgainstTheLastUntrustedAddressItForwardsFor() {
    assertThat(behindIngress.client("10.1.2.3", "198.51.100.7")).isEqualTo("198.51.100.7");
    // a client's own (spoofed) entry on the left is not believed: the ingress appended the real one
    assertThat(behindIngress.client("10.1.2.3", "203.0.113.9, 198.51.100.7")).isEqualTo("198.51.100.7");
    // a chain of trusted proxies (an external balancer, then the ingress)
    assertThat(behindIngress.client("10.1.2.3", "198.51.100.7, 192.168.1.10, 10.9.9.9")).isEqualTo("198.51.100.7");
    assertThat(behindIngress.client("fd00::1", "2001:db8::7")).isEqualTo("2001:db8::7");
  }

  @Test
  void anUntrustedPeerIsItselfWhateverItForwards() {
    assertThat(behindIngress.client("198.51.100.7", "10.0.0.1")).isEqualTo("198.51.100.7");
    assertThat(behindIngress.client("192.168.1.11", "203.0.113.9")).isEqualTo("192.168.1.11");
  }

  @Test
  void garbageOrOnlyTrustedHopsCountAgainstTheProxy() {
    assertThat(behindIngress.client("10.1.2.3", "example.com")).isEqualTo("10.1.2.3");
    assertThat(behindIngress.client("10.1.2.3", "999.1.1.1")).isEqualTo("10.1.2.3");
    assertThat(behindIngress.client("10.1.2.3", "10.4.4.4")).isEqualTo("10.1.2.3");
    assertThat(behindIngress.client("10.1.2.3", null)).isEqualTo("10.1.2.3");
  }

  @Test
  void readFromTheConfigurationFile() {
    var config = dev.remediator.config.loader.ConfigLoader.parse("""
        receiver:
          trustedProxies: [10.0.0.0/8, "fd00::/8"]
        targets:
          - {service: a, namespace: prod, database: adb, postgres: {url: "jdbc:postgresql://db:5432/adb", user: r}}
        """, "test");

    assertThat(config.receiverOrDefault().trustedProxiesOrEmpty()).containsExactly("10.0.0.0/8", "fd00::/8");
    assertThat(ClientAddresses.of(config.receiverOrDefault().trustedProxiesOrEmpty()).client("10.0.0.2", "1.2.3.4"))
        .isEqualTo("1.2.3.4");
  }

  @Test
  void anEntryThatIsNotAnAddressOrRangeIsAConfigurationError() {
    assertThatThrownBy(() -> ClientAddresses.of(List.of("10.0.0.0/8", "ingress.local")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("receiver.trustedProxies[1]: 'ingress.local' is not an IP address or CIDR range"
            + " (e.g. 10.0.0.0/8, 192.168.1.10, fd00::/8)");
    assertThatThrownBy(() -> ClientAddresses.of(List.of("10.0.0.0/33"))).isInstanceOf(ConfigException.class);
  }
}
