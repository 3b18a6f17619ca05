//! WebSocket echo on `/ws`.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::client_async;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{client, get, server};

#[tokio::test]
async fn websocket_echoes_text_and_binary() {
    let srv = server("w").await;
    let tcp = TcpStream::connect(srv.addr()).await.unwrap();
    let url = format!("ws://{}/ws", srv.addr());
    let (mut ws, resp) = client_async(url.as_str(), tcp).await.unwrap();
    assert_eq!(resp.status(), 101);
    assert_eq!(resp.headers()["x-whoami-name"], "w");

    ws.send(Message::text("hello")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hello"));
    ws.send(Message::binary(vec![0u8, 1, 2, 255]))
        .await
        .unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::binary(vec![0u8, 1, 2, 255])
    );
    ws.send(Message::Ping(b"p".to_vec().into())).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::Pong(b"p".to_vec().into())
    );

    ws.close(None).await.unwrap();
    while let Some(Ok(msg)) = ws.next().await {
        assert!(msg.is_close(), "{msg:?}");
    }
}

#[tokio::test]
async fn websocket_without_upgrade_is_bad_request() {
    let srv = server("w").await;
    let resp = get(&client(), &format!("{}/ws", srv.url())).await;
    assert_eq!(resp.status, 400);
}
