package com.tiktokmall.mtls;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The core ({@code com.tiktokmall.mtls}, {@code .internal}, {@code .reload}) is plain Java: a plain
 * Jetty or HttpClient user, or the bench, uses it without Dropwizard and what comes with it.
 */
@AnalyzeClasses(packages = "com.tiktokmall.mtls", importOptions = ImportOption.DoNotIncludeTests.class)
class CoreArchitectureTest {
    @ArchTest
    static final ArchRule coreNeedsNoFramework = noClasses()
            .that().resideInAnyPackage("com.tiktokmall.mtls", "com.tiktokmall.mtls.internal..", "com.tiktokmall.mtls.reload..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.dropwizard..", "com.codahale..",   // Dropwizard and its metrics
                    "org.eclipse.jetty..", "org.glassfish..", "org.apache.hc..", "jakarta..",
                    "com.tiktokmall.mtls.dropwizard..")
            .because("the core must be usable without Dropwizard, Jetty, Jersey, HttpClient or Jakarta");
}
