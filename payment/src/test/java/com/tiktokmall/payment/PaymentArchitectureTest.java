package com.tiktokmall.payment;

import com.tiktokmall.mtls.testing.ServiceRules;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** payment's production classes: common's public API only, TLS only through it, nothing of auth or order. */
@AnalyzeClasses(packages = "com.tiktokmall.payment", importOptions = ImportOption.DoNotIncludeTests.class)
class PaymentArchitectureTest {
    @ArchTest
    static final ArchTests commonRules = ArchTests.in(ServiceRules.Production.class);

    @ArchTest
    static final ArchRule knowsNothingOfOtherServices = noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("com.tiktokmall.auth..", "com.tiktokmall.order..")
            .because("services talk over mTLS, never through each other's classes");
}
