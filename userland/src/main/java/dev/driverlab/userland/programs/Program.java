package dev.driverlab.userland.programs;

import dev.driverlab.userland.libc.Libc;

/** A userland program: {@code main(argc, argv)} against a {@link Libc}; returns the exit status. */
@FunctionalInterface
public interface Program {
  int main(Libc libc, String[] args);
}
