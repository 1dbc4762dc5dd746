package com.tiktokmall.auth;

import com.tiktokmall.mtls.testing.ServiceRules;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** auth's production classes: common's public API only, TLS only through it, nothing of order, payment or their client of auth. */
@AnalyzeClasses(packages = "com.tiktokmall.auth", importOptions = ImportOption.DoNotIncludeTests.class)
class AuthArchitectureTest {
    @ArchTest
    static final ArchTests commonRules = ArchTests.in(ServiceRules.Production.class);

    @ArchTest
    static final ArchRule knowsNothingOfOtherServices = noClasses()
            .should().dependOnClassesThat()
            .resideInAnyPackage("com.tiktokmall.order..", "com.tiktokmall.payment..", "com.tiktokmall.authclient..")
            .because("services talk over mTLS, never through each other's classes");
}
