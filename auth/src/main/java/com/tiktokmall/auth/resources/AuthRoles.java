package com.tiktokmall.auth.resources;

import java.util.Set;

/** What a caller may do at auth; config/auth.yml grants these to caller identities. */
public final class AuthRoles {
    public static final String ISSUE_TOKENS = "issue-tokens";
    public static final String VERIFY_TOKENS = "verify-tokens";
    public static final String REVOKE_TOKENS = "revoke-tokens";
    public static final Set<String> ALL = Set.of(ISSUE_TOKENS, VERIFY_TOKENS, REVOKE_TOKENS);

    private AuthRoles() {
    }
}
