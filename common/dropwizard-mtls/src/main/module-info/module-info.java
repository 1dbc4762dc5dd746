/**
 * Mutual TLS for Dropwizard services: {@code MtlsBundle}, the configuration blocks, and (not
 * exported) the {@code type: mtls} connector, the mTLS client, authorization by SPIFFE ID, limits,
 * probes, health, metrics, commands and the database over mTLS.
 */
module com.tiktokmall.mtls.dropwizard {
    requires transitive com.tiktokmall.mtls;
    requires com.tiktokmall.mtls.spiffe;

    requires transitive io.dropwizard.core;
    requires transitive io.dropwizard.client;
    requires transitive io.dropwizard.db;
    requires transitive io.dropwizard.jackson;
    requires transitive io.dropwizard.util;
    requires transitive io.dropwizard.validation;
    requires transitive org.jdbi.v3.core;
    requires io.dropwizard.auth;
    requires io.dropwizard.configuration;
    requires io.dropwizard.jdbi3;
    requires io.dropwizard.jersey;
    requires io.dropwizard.jetty;
    requires io.dropwizard.lifecycle;
    requires io.dropwizard.migrations;
    requires io.dropwizard.servlets;
    requires io.dropwizard.metrics.jetty12;
    requires com.codahale.metrics;
    requires com.codahale.metrics.health;
    requires com.codahale.metrics.httpclient;
    requires com.codahale.metrics.jvm;
    requires tomcat.jdbc;
    requires com.fasterxml.jackson.annotation;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires jakarta.annotation;
    requires jakarta.servlet;
    requires jakarta.validation;
    requires org.hibernate.validator;
    requires jakarta.ws.rs;
    requires jersey.common;
    requires jersey.server;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.io;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.util;
    requires org.apache.httpcomponents.client5.httpclient5;
    requires org.apache.httpcomponents.core5.httpcore5;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.exporter.servlet.jakarta;
    requires io.prometheus.metrics.instrumentation.dropwizard;
    requires io.prometheus.metrics.instrumentation.dropwizard5;
    requires io.prometheus.metrics.model;
    requires liquibase.core;
    requires net.sourceforge.argparse4j;
    requires org.conscrypt;
    requires com.amazon.corretto.crypto.provider;
    requires org.slf4j;
    requires java.sql;

    exports com.tiktokmall.mtls.dropwizard;
    exports com.tiktokmall.mtls.dropwizard.config;

    // Jackson and Hibernate Validator read the YAML blocks, the connector and the source factories
    opens com.tiktokmall.mtls.dropwizard.config to com.fasterxml.jackson.databind, org.hibernate.validator;
    opens com.tiktokmall.mtls.dropwizard.server to com.fasterxml.jackson.databind, org.hibernate.validator;
    // pgjdbc makes its sslfactory by class name
    opens com.tiktokmall.mtls.dropwizard.db to org.postgresql.jdbc;

    uses com.tiktokmall.mtls.dropwizard.config.TlsSourceFactory;
}
