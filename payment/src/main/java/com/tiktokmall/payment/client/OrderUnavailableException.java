package com.tiktokmall.payment.client;

/** order could not be asked: unreachable, refusing our certificate, or failing. */
public class OrderUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OrderUnavailableException(String reason) {
        super(reason);
    }
}
