package com.tiktokmall.mtls.spiffe;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * mtls-spiffe is a source of mtls-core like any other: it uses the core's exported API only, and
 * no framework, so that a plain Java service can take its TLS material from the Workload API.
 */
@AnalyzeClasses(packages = "com.tiktokmall.mtls.spiffe", importOptions = ImportOption.DoNotIncludeTests.class)
class SpiffeArchitectureTest {
    @ArchTest
    static final ArchRule freeOfCycles = slices().matching("com.tiktokmall.mtls.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule usesTheExportedPackagesOfTheCoreOnly = noClasses()
            .that().resideInAPackage("com.tiktokmall.mtls.spiffe..")
            .should().dependOnClassesThat(resideInAPackage("com.tiktokmall..")
                    .and(not(resideInAnyPackage("com.tiktokmall.mtls", "com.tiktokmall.mtls.source",
                            "com.tiktokmall.mtls.spiffe.."))))
            .because("module com.tiktokmall.mtls exports com.tiktokmall.mtls and com.tiktokmall.mtls.source only");

    @ArchTest
    static final ArchRule needsNoFramework = noClasses()
            .that().resideInAPackage("com.tiktokmall.mtls.spiffe..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.dropwizard..", "com.codahale..",   // Dropwizard and its metrics
                    "org.eclipse.jetty..", "org.glassfish..", "jakarta.ws.rs..", "org.apache.hc..")
            .because("the Workload API source must be usable without Dropwizard, Jetty, Jersey or HttpClient");
}
