package dev.driverlab.devices.pcie.tlp;

/**
 * Fault injection on the wire: sees every TLP before it crosses a link and may pass it, replace it
 * (poison a completion, change a status) or drop it (return null). In place of a non-posted request
 * it may return that request's completion (e.g. {@code Tlp.completion(req, id, CplStatus.UR)}): the
 * link then turns it around to the requester instead of forwarding the request. For tests only; the
 * analyzer ({@link TlpObserver}) records what was actually sent, after interception.
 *
 * <p>The TLP an interceptor sees owns its payload ({@link Tlp#owned}): it may keep it.
 */
@FunctionalInterface
public interface TlpInterceptor {
  Tlp intercept(long timeNs, LinkDirection dir, String linkName, Tlp tlp);
}
