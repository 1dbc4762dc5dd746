package com.tiktokmall.mtls;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The core ({@code com.tiktokmall.mtls} and {@code .source}) is plain Java: a plain Jetty or
 * HttpClient user, or the bench, uses it without Dropwizard and what comes with it. Its packages
 * are layered: the sources build contexts, contexts know nothing of sources.
 */
@AnalyzeClasses(packages = "com.tiktokmall.mtls", importOptions = ImportOption.DoNotIncludeTests.class)
class CoreArchitectureTest {
    @ArchTest
    static final ArchRule coreNeedsNoFramework = noClasses()
            .that().resideInAPackage("com.tiktokmall.mtls..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.dropwizard..", "com.codahale..",   // Dropwizard and its metrics
                    "org.eclipse.jetty..", "org.glassfish..", "org.apache.hc..", "jakarta..",
                    "com.tiktokmall.mtls.dropwizard..")
            .because("the core must be usable without Dropwizard, Jetty, Jersey, HttpClient or Jakarta");

    /** Cycles among the subpackages of the core ({@code .source} and any to come). */
    @ArchTest
    static final ArchRule subpackagesAreFreeOfCycles = slices().matching("com.tiktokmall.mtls.(**)")
            .should().beFreeOfCycles();

    /**
     * The same with the root package as a slice of its own ("mtls", "mtls.source"): the pattern
     * above needs a dot after {@code mtls}, so it leaves the root package out.
     */
    @ArchTest
    static final ArchRule rootAndSubpackagesAreFreeOfCycles = slices().matching("com.tiktokmall.(**)")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule contextsKnowNothingOfSources = noClasses()
            .that().resideInAPackage("com.tiktokmall.mtls")
            .should().dependOnClassesThat().resideInAPackage("com.tiktokmall.mtls.source..")
            .because("identities, trust and contexts are the layer every source builds on, whatever its origin");
}
