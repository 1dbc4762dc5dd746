package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.testing.ExportedApi;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library's shape: three modules, a small exported API, no package cycles, and the Dropwizard
 * layer's packages in layers (the bundle on top, the configuration blocks at the bottom).
 */
@AnalyzeClasses(packages = "com.tiktokmall.mtls", importOptions = ExportedApi.MainClassesOnly.class)
class ModulesArchitectureTest {
    /** The promise the API makes: every public type of an exported package. */
    private static final int MAX_EXPORTED_TYPES = 30;

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("com.tiktokmall.mtls.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule subpackagesNeverUseTheBundle = noClasses()
            .that().resideInAPackage("com.tiktokmall.mtls.dropwizard.*..")
            .should().dependOnClassesThat().resideInAPackage("com.tiktokmall.mtls.dropwizard")
            .because("the bundle wires the packages below it; none of them may reach back up");

    @ArchTest
    static final ArchRule configurationBlocksAreALeaf = noClasses()
            .that().resideInAPackage("com.tiktokmall.mtls.dropwizard.config")
            .should().dependOnClassesThat(resideInAPackage("com.tiktokmall.mtls.dropwizard..")
                    .and(not(resideInAPackage("com.tiktokmall.mtls.dropwizard.config"))))
            .because("every other package of the Dropwizard layer may read the blocks, so they read none of them");

    @Test
    void exportsTheApiPackagesOnly() {
        assertThat(ExportedApi.byModule()).isEqualTo(Map.of(
                "com.tiktokmall.mtls", Set.of("com.tiktokmall.mtls", "com.tiktokmall.mtls.source"),
                "com.tiktokmall.mtls.spiffe", Set.of("com.tiktokmall.mtls.spiffe"),
                "com.tiktokmall.mtls.dropwizard", Set.of("com.tiktokmall.mtls.dropwizard",
                        "com.tiktokmall.mtls.dropwizard.config")));
    }

    @Test
    void exportsAtMostThirtyPublicTypes() {
        JavaClasses classes = new ClassFileImporter().withImportOption(new ExportedApi.MainClassesOnly())
                .importPackages(ExportedApi.packages());
        List<String> exported = classes.stream()
                .filter(type -> ExportedApi.packages().contains(type.getPackageName()))
                .filter(JavaClass::isTopLevelClass)
                .filter(type -> type.getModifiers().contains(JavaModifier.PUBLIC))
                .map(JavaClass::getName).sorted().toList();
        assertThat(exported).as("public top-level types of the exported packages").hasSizeLessThanOrEqualTo(MAX_EXPORTED_TYPES)
                .contains("com.tiktokmall.mtls.dropwizard.MtlsBundle", "com.tiktokmall.mtls.source.TlsSource");
    }
}
