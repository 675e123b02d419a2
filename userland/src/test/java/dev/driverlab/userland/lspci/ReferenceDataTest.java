package dev.driverlab.userland.lspci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceDataTest {

  @Test
  void findsSharedBesideTheCloneWhenWalkingUp(@TempDir Path tmp) throws IOException {
    Path data = tmp.resolve("shared/testdata/pciutils");
    Files.createDirectories(data.resolve("dumps"));
    Files.createDirectories(data.resolve("lspci-3.9.0"));
    Path module = Files.createDirectories(tmp.resolve("clone/userland"));
    assertEquals(data, ReferenceData.locate(module));
  }

  @Test
  void missingDataNamesEveryPathTried(@TempDir Path tmp) throws IOException {
    Path module = Files.createDirectories(tmp.resolve("clone/userland"));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ReferenceData.locate(module));
    assertTrue(e.getMessage().startsWith("pciutils reference data not found"), e.getMessage());
    assertTrue(e.getMessage().contains(tmp.resolve("clone/userland/shared/testdata/pciutils")
        .toString()), e.getMessage());
    assertTrue(e.getMessage().contains(tmp.resolve("shared/testdata/pciutils").toString()),
        e.getMessage());
  }
}
