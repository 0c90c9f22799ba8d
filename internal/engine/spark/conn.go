package spark

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strconv"

	"github.com/apache/spark-connect-go/spark/client/channel"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/credentials/oauth"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// sharedChannel hands every Spark Connect session of an engine the engine's one gRPC
// connection (the client library would dial a new one per session and never close it).
type sharedChannel struct {
	*channel.BaseBuilder
	conn *grpc.ClientConn
}

func (c sharedChannel) Build(context.Context) (*grpc.ClientConn, error) { return c.conn, nil }

// dial parses remote (sc://host:port[/;token=…;user_id=…]) as the client library does and opens
// the connection every session shares.
func dial(remote string) (sharedChannel, error) {
	cb, err := channel.NewBuilder(remote)
	if err != nil {
		return sharedChannel{}, fmt.Errorf("spark remote %q: %w", remote, err)
	}
	opts := []grpc.DialOption{
		grpc.WithAuthority(cb.Host()),
		grpc.WithChainUnaryInterceptor(captureSessionID),
		// Results arrive as Arrow batches of up to spark.connect.grpc.arrow.maxBatchSize (4 MiB)
		// inside messages the server caps at spark.connect.grpc.maxInboundMessageSize.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(128 << 20)),
	}
	if cb.Token() == "" {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	} else {
		// As the client library does: a token means TLS with the system's roots.
		roots, err := x509.SystemCertPool()
		if err != nil {
			return sharedChannel{}, fmt.Errorf("spark remote: %w", err)
		}
		opts = append(opts,
			grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: roots})),
			grpc.WithPerRPCCredentials(oauth.TokenSource{TokenSource: oauth2.StaticTokenSource(
				&oauth2.Token{AccessToken: cb.Token(), TokenType: "bearer"})}))
	}
	conn, err := grpc.NewClient(net.JoinHostPort(cb.Host(), strconv.Itoa(cb.Port())), opts...)
	if err != nil {
		return sharedChannel{}, fmt.Errorf("spark remote %q: %w", remote, err)
	}
	return sharedChannel{BaseBuilder: cb, conn: conn}, nil
}

// The client library keeps a session's id to itself and has no way to end a session (its Stop
// does nothing), so a closed engine Session would live on in the server, temporary views and
// all, until the server's idle timeout. The id is read from the first request a session sends
// (captureSessionID, for calls whose context carries a *string under sessionIDKey) and the
// session is released with the protocol's ReleaseSession call, built from the request type the
// client library registers.

type sessionIDKey struct{}

func captureSessionID(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if p, ok := ctx.Value(sessionIDKey{}).(*string); ok {
		if m, ok := req.(proto.Message); ok {
			r := m.ProtoReflect()
			if fd := r.Descriptor().Fields().ByName("session_id"); fd != nil && fd.Kind() == protoreflect.StringKind {
				*p = r.Get(fd).String()
			}
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// releaseSession ends the server-side session id (its temporary views, cached relations and
// settings go with it).
func (c sharedChannel) releaseSession(ctx context.Context, id string) error {
	req, err := newMessage("spark.connect.ReleaseSessionRequest")
	if err != nil {
		return err
	}
	set := func(m protoreflect.Message, field string, v protoreflect.Value) {
		m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(field)), v)
	}
	set(req, "session_id", protoreflect.ValueOfString(id))
	user := req.NewField(req.Descriptor().Fields().ByName("user_context")).Message()
	set(user, "user_id", protoreflect.ValueOfString(c.User()))
	set(req, "user_context", protoreflect.ValueOfMessage(user))
	set(req, "client_type", protoreflect.ValueOfString(c.UserAgent()))
	resp, err := newMessage("spark.connect.ReleaseSessionResponse")
	if err != nil {
		return err
	}
	return c.conn.Invoke(ctx, "/spark.connect.SparkConnectService/ReleaseSession", req.Interface(), resp.Interface())
}

func newMessage(name protoreflect.FullName) (protoreflect.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
	if err != nil {
		return nil, fmt.Errorf("spark connect protocol: %s: %w", name, err)
	}
	return mt.New(), nil
}
