package dev.driverlab.kernel.debug;

/**
 * A resource still held when its owner goes away (a driver removed from its device, a module
 * unloaded), with the line a leak report prints for it. {@code resource} is the kernel's own record of
 * it (an IRQ action, a DMA-API entry, a mapping, an allocation), so the same leak seen at remove and
 * again at rmmod is recognised by identity and reported once.
 */
public record Leftover(Object resource, String description) {}
