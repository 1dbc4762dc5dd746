package com.tiktokmall.order;

import com.tiktokmall.mtls.testing.ServiceRules;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** order's production classes: common's public API only, TLS only through it, nothing of auth or payment. */
@AnalyzeClasses(packages = "com.tiktokmall.order", importOptions = ImportOption.DoNotIncludeTests.class)
class OrderArchitectureTest {
    @ArchTest
    static final ArchTests commonRules = ArchTests.in(ServiceRules.Production.class);

    @ArchTest
    static final ArchRule knowsNothingOfAuth = noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("com.tiktokmall.auth..", "com.tiktokmall.payment..")
            .because("services talk over mTLS, never through each other's classes");
}
