package dev.remediator.starter;

import dev.remediator.config.ConfigException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who a request counts against for the per-client limit ({@code --max-requests-per-client}). Without trusted proxies
 * that is the peer address. Behind an ingress or proxy every request has the proxy's address, so a request whose
 * peer is in {@code receiver.trustedProxies} counts against the client its {@code X-Forwarded-For} names: the last
 * (rightmost) address there that is not itself a trusted proxy, as nginx's {@code real_ip_recursive}. Only trusted
 * peers are believed: a client that sends its own {@code X-Forwarded-For} directly is still keyed by its address.
 */
final class ClientAddresses {
  /** Literal addresses only, never a host name: no DNS lookup for what a client sends. */
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  /** With a colon, InetAddress parses an IPv6 literal or fails; it never looks the text up. */
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private record Cidr(byte[] network, int bits) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >> (i % 8);
        if ((address[i / 8] & mask) != (network[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  private final List<Cidr> trusted;

  private ClientAddresses(List<Cidr> trusted) {
    this.trusted = trusted;
  }

  /** From {@code receiver.trustedProxies}; an entry that is not an address or CIDR range is a configuration error. */
  static ClientAddresses of(List<String> trustedProxies) {
    List<Cidr> cidrs = new ArrayList<>();
    for (int i = 0; i < trustedProxies.size(); i++) {
      String entry = trustedProxies.get(i) == null ? "" : trustedProxies.get(i).strip();
      String[] parts = entry.split("/", -1);
      byte[] network = parts.length <= 2 ? address(parts[0]) : null;
      int bits = network == null ? -1 : network.length * 8;
      if (network != null && parts.length == 2) {
        bits = parts[1].matches("[0-9]{1,3}") ? Integer.parseInt(parts[1]) : -1;
      }
      if (network == null || bits < 0 || bits > network.length * 8) {
        throw new ConfigException("receiver.trustedProxies[" + i + "]: '" + entry + "' is not an IP address or CIDR"
            + " range (e.g. 10.0.0.0/8, 192.168.1.10, fd00::/8)");
      }
      cidrs.add(new Cidr(network, bits));
    }
    return new ClientAddresses(List.copyOf(cidrs));
  }

  /** The client a request counts against, from its peer address and {@code X-Forwarded-For} header. */
  String client(String peer, String forwardedFor) {
    if (trusted.isEmpty() || forwardedFor == null || !isTrusted(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].strip();
      byte[] address = address(hop);
      if (address == null) {
        return peer; // garbage in the chain: believe nothing beyond it, count against the proxy
      }
      if (!isTrusted(address)) {
        return hop;
      }
    }
    return peer; // every hop is a trusted proxy (e.g. a health check from inside)
  }

  private boolean isTrusted(String peer) {
    byte[] address = address(peer);
    return address != null && isTrusted(address);
  }

  private boolean isTrusted(byte[] address) {
    for (Cidr c : trusted) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  private static byte[] address(String text) {
    String t = text == null ? "" : text.strip();
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    var v4 = IPV4.matcher(t);
    if (v4.matches()) {
      byte[] a = new byte[4];
      for (int i = 0; i < 4; i++) {
        int octet = Integer.parseInt(v4.group(i + 1));
        if (octet > 255) {
          return null;
        }
        a[i] = (byte) octet;
      }
      return a;
    }
    if (!IPV6.matcher(t).matches()) {
      return null;
    }
    try {
      return InetAddress.getByName(t).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
