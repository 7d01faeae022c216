package dev.remediator.e2e;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout README's Architecture section draws, checked on the compiled main classes of every module (this module
 * sees them all): packages form a strict order, and only the registry reaches into a runbook's own package from
 * the generic side. Fails when a package cycle or a generic class naming a runbook's type comes back.
 */
class ArchitectureTest {
  static final String DBPOOL = "dev.remediator.runbook.dbpool..";
  static final String SERVICEDOWN = "dev.remediator.runbook.servicedown..";

  static JavaClasses main;

  /**
   * Every module's compiled main classes, read from its {@code target/classes}: under {@code mvn verify} the reactor
   * hands this module the other modules as jars, so importing from the class path would see jars or nothing.
   */
  @BeforeAll
  static void importMainClasses() {
    Path root = Path.of(System.getProperty("basedir", "")).toAbsolutePath().getParent();
    List<Path> dirs = Stream.of("workflows", "kubeplane", "activities", "worker", "starter", "launcher", "demo", "bench")
        .map(m -> root.resolve(m).resolve("target/classes")).filter(Files::isDirectory).toList();
    main = new ClassFileImporter().importPaths(dirs);
    // Guard against a vacuous pass: the shell, the registry and a module above them must all be here.
    assertThat(main.containPackage("dev.remediator.incident")).isTrue();
    assertThat(main.containPackage("dev.remediator.registry")).isTrue();
    assertThat(main.containPackage("dev.remediator.starter")).isTrue();
    assertThat(main.containPackage("dev.remediator.kubernetes")).isTrue();
  }

  /** Each package is a slice: no two packages, in any module, depend on each other through any path. */
  @Test
  void packagesAreFreeOfCycles() {
    slices().matching("dev.remediator.(**)").should().beFreeOfCycles().check(main);
  }

  /**
   * Generic code names no runbook's type: only the registry does (and one runbook's package another's). The activity
   * adapters ({@code kubernetes}, {@code postgres}, {@code incidentlookup}) implement a runbook's activity contracts,
   * and launcher, demo and bench
   * assemble the runbooks' demos: they sit on the runbooks' side of the seam.
   */
  @Test
  void onlyTheRegistryNamesARunbook() {
    noClasses().that()
        .resideOutsideOfPackages(DBPOOL, SERVICEDOWN, "dev.remediator.registry..", "dev.remediator.kubernetes..",
            "dev.remediator.postgres..", "dev.remediator.incidentlookup..", "dev.remediator.launcher..", "dev.remediator.demo..", "dev.remediator.bench..")
        .should().dependOnClassesThat().resideInAnyPackage(DBPOOL, SERVICEDOWN)
        .because("a runbook is registered in dev.remediator.registry.Runbooks, never named by generic code")
        .check(main);
  }

  /** The workflows module's order, bottom to top; each layer may use only the layers below it. */
  @Test
  void workflowsPackagesKeepTheirOrder() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("incident").definedBy("dev.remediator.incident..")
        .layer("config").definedBy("dev.remediator.config")
        .layer("runbook").definedBy("dev.remediator.runbook")
        .layer("runbooks").definedBy(DBPOOL, SERVICEDOWN)
        .layer("registry").definedBy("dev.remediator.registry..")
        .layer("loader").definedBy("dev.remediator.config.loader..")
        .whereLayer("incident").mayNotAccessAnyLayer()
        .whereLayer("config").mayOnlyAccessLayers("incident")
        .whereLayer("runbook").mayOnlyAccessLayers("incident", "config")
        .whereLayer("runbooks").mayOnlyAccessLayers("incident", "config", "runbook")
        .whereLayer("registry").mayOnlyAccessLayers("incident", "config", "runbook", "runbooks")
        .check(main);
  }
}
