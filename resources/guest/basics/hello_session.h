/* hello_session.h -- the "Hello" service of hello_server / hello_client (a custom RPC
 * interface, in the SDK's message format: word 0 = op number or result code).
 *
 *   HELLO_SAY_HELLO  (string name)   -> (string greeting, u32 number of greetings so far)
 *                    the server logs "Hello, <name>!" and answers with the same text
 *   HELLO_ADD        (u32 a, u32 b)  -> (u32 a + b)
 */
#ifndef BASICS_HELLO_SESSION_H
#define BASICS_HELLO_SESSION_H

#define HELLO_SAY_HELLO 1
#define HELLO_ADD       2

/* Longest name the server accepts (longer: RPC_INVALID_ARGS). */
#define HELLO_NAME_MAX 64

/* What a client donates for a session: the server needs RAM and caps for it. */
#define HELLO_SESSION_ARGS "ram_quota=16K, cap_quota=4, label=\"\""
#define HELLO_SESSION_RAM  (16 * 1024)

#endif /* BASICS_HELLO_SESSION_H */
