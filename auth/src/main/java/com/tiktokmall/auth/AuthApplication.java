package com.tiktokmall.auth;

import com.tiktokmall.mtls.dropwizard.MtlsBundle;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;

public class AuthApplication extends Application<AuthConfiguration> {
    private final MtlsBundle<AuthConfiguration> mtls = MtlsBundle.of(AuthConfiguration::getTls);

    public static void main(String[] args) throws Exception {
        new AuthApplication().run(args);
    }

    @Override
    public String getName() {
        return "auth";
    }

    @Override
    public void initialize(Bootstrap<AuthConfiguration> bootstrap) {
        bootstrap.addBundle(mtls);
    }

    @Override
    public void run(AuthConfiguration configuration, Environment environment) {
    }
}
